// The two engines in the browser, each on its own page of the app's origin with a fresh
// worker: this engine through the app's client (window.qwenLocal.engine), transformers.js
// through the bench page's worker (browser/transformers.worker.ts). Each samples the heaps of its
// workers (stage workers included) while it runs.
import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import type { EngineClient } from '../../../src/lib/services/engine-client.ts';
import type { EngineStats, LoadReport, SpedUpEvent } from '../../../workers/protocol/messages.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';
import type { PeerReply, PeerRequest } from '../browser/transformers-protocol.ts';
import { sampleHeap, workerHeap, workerTargets, workersSince, type HeapSampler } from '../worker-heap.ts';
import type { Prompt } from './prompts.ts';
import type { RunFigures, Runner } from './runner.ts';

export interface BrowserSetup {
  context: BrowserContext;
  cdp: CDPSession;
  appUrl: string;
  hubUrl: string;
}

export interface LoadOptions {
  repo: string;
  device: 'wasm' | 'webgpu';
  /** The model file to run (default q4); the engine must not choose another. */
  dtype?: 'q4' | 'q4f16';
  /** Engine only: the logits rewrite on or off (default: the engine's). */
  logitsSlice?: boolean;
  /** Engine only: the memory unpacking 4-bit weights may add on WASM (default: the engine's allowance). */
  unpackBytes?: number;
  /**
   * Engine only: the WASM fast start on (undefined: the engine's choice) or off. Default: off, so
   * speeds are measured on the pipeline a load builds at full speed, not on one swapped in while
   * the browser still compiles its workers' wasm (bench:load measures the fast start).
   */
  fastStart?: boolean;
  /**
   * Engine only: return as soon as the load does, on a WASM fast start still on the 4-bit weights
   * (default: once the speed-up has swapped the unpacked ones in, so speeds are the steady ones).
   */
  beforeSpeedUp?: boolean;
}

/** A fast start's speed-up: how it ended, and when, in ms after the load resolved. */
export interface SpeedUpTiming {
  outcome: SpedUpEvent['outcome'];
  afterLoadMs: number;
}

export interface BrowserRunner extends Runner {
  heap: HeapSampler;
  loadMs: number;
}

/** This engine's runner also gives its load report and the worker's stats (its KV accounting). */
export interface EngineRunner extends BrowserRunner {
  report: LoadReport;
  stats: () => Promise<EngineStats>;
  /** Settles when the load's speed-up has ended; null when it had none (it loaded at full speed). */
  speedUp: () => Promise<SpeedUpTiming | null>;
}

type PageGlobal = { qwenLocal: { engine: EngineClient }; benchSpeedUp: Promise<SpeedUpTiming>; transformersBench: { call: (request: PeerRequest) => Promise<PeerReply> } };

async function openPage(setup: BrowserSetup, path: string, workerUrlPart: string): Promise<{ page: Page; heap: HeapSampler }> {
  const except = await workerTargets(setup.cdp);
  const page = await setup.context.newPage();
  await page.goto(new URL(path, setup.appUrl).href);
  // Once the page's own worker is up, the sum over it and every worker it starts (stages, the chunk check).
  await workerHeap(setup.cdp, workerUrlPart, except);
  return { page, heap: sampleHeap(workersSince(setup.cdp, except)) };
}

export async function openEngine(setup: BrowserSetup, options: LoadOptions): Promise<EngineRunner> {
  const { page, heap } = await openPage(setup, '/', 'engine.worker');
  const source = customSource(setup.hubUrl);
  const dtype = options.dtype ?? 'q4';
  const report = await page.evaluate(
    async ({ source, options, dtype, fastStart }) => {
      // No named functions in here: tsx's __name helper does not exist in the page.
      const global = globalThis as unknown as PageGlobal;
      const held: { loadEnd: number; spedUp: ((timing: SpeedUpTiming) => void) | null } = { loadEnd: 0, spedUp: null };
      global.benchSpeedUp = new Promise((resolve) => {
        held.spedUp = resolve;
      });
      const request = { source, repo: options.repo, device: options.device, dtype, logitsSlice: options.logitsSlice, unpackBytes: options.unpackBytes, fastStart };
      const loaded = await global.qwenLocal.engine.load(request, undefined, undefined, (outcome) => held.spedUp!({ outcome, afterLoadMs: performance.now() - held.loadEnd }));
      held.loadEnd = performance.now();
      return loaded;
    },
    // Computed here: a key whose value is undefined (the engine's choice) may not survive the trip into the page.
    { source, options, dtype, fastStart: 'fastStart' in options ? options.fastStart : false },
  );
  if (report.device !== options.device) throw new Error(`the engine runs on ${report.device}, not ${options.device}: ${report.notes.join(' ')}`);
  if (report.dtype !== dtype) throw new Error(`the engine runs ${report.dtype}, not ${dtype}: ${report.notes.join(' ')}`);
  const speedUp = async (): Promise<SpeedUpTiming | null> => {
    if (!report.speedUp) return null;
    const timing = await page.evaluate(() => (globalThis as unknown as PageGlobal).benchSpeedUp);
    if ('error' in timing.outcome) throw new Error(`the speed-up failed: ${timing.outcome.error.message}`);
    return timing;
  };
  if (!options.beforeSpeedUp) await speedUp();
  return {
    heap,
    loadMs: report.loadMs,
    report,
    speedUp,
    stats: () => page.evaluate(() => (globalThis as unknown as PageGlobal).qwenLocal.engine.stats()),
    generate: async (prompt: Prompt, maxTokens: number, reuse: boolean) => {
      const { stats } = await page.evaluate(
        ({ input, maxTokens, freshCache }) =>
          (globalThis as unknown as PageGlobal).qwenLocal.engine.generate({ input, maxTokens, freshCache, sampling: { temperature: 0, repetition_penalty: 1 } }),
        { input: prompt.input, maxTokens, freshCache: !reuse },
      );
      if (stats.promptTokens !== prompt.ids.length) throw new Error(`the engine encoded ${stats.promptTokens} prompt tokens, the bench ${prompt.ids.length}`);
      const decodeMs = stats.decodeTokens > 1 ? ((stats.decodeTokens - 1) * 1000) / stats.decodeTokensPerSecond : 0;
      return { prefillTokens: stats.prefillTokens, firstTokenMs: stats.timeToFirstTokenMs, decodeTokens: stats.decodeTokens, decodeMs } satisfies RunFigures;
    },
    close: () => closePage(page, heap),
  };
}

export async function openTransformers(setup: BrowserSetup, options: LoadOptions): Promise<BrowserRunner> {
  const { page, heap } = await openPage(setup, '/scripts/bench/browser/transformers.html', 'transformers.worker');
  const call = async (request: PeerRequest): Promise<PeerReply> => {
    const reply = await page.evaluate((request) => (globalThis as unknown as PageGlobal).transformersBench.call(request), request);
    if (reply.kind === 'error') throw new Error(`transformers.js: ${reply.message}`);
    return reply;
  };
  const loaded = await call({ kind: 'load', hubUrl: setup.hubUrl, repo: options.repo, device: options.device, dtype: options.dtype ?? 'q4' });
  return {
    heap,
    loadMs: loaded.kind === 'loaded' ? loaded.loadMs : NaN,
    generate: async (prompt: Prompt, maxTokens: number, reuse: boolean) => {
      const { kind: _kind, ...figures } = (await call({ kind: 'generate', ids: prompt.ids, maxNewTokens: maxTokens, reuseCache: reuse })) as Extract<PeerReply, { kind: 'done' }>;
      return figures;
    },
    close: () => closePage(page, heap),
  };
}

async function closePage(page: Page, heap: HeapSampler): Promise<void> {
  await heap.stop();
  await page.close();
}
