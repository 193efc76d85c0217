// The two engines in the browser, each on its own page of the app's origin with a fresh
// worker: this engine through the app's client (window.qwenLocal.engine), transformers.js
// through the bench page's worker (browser/transformers.worker.ts). Each samples its worker's
// heap while it runs.
import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import type { EngineClient } from '../../../src/lib/services/engine-client.ts';
import type { EngineStats, LoadReport } from '../../../workers/protocol/messages.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';
import type { PeerReply, PeerRequest } from '../browser/transformers-protocol.ts';
import { sampleHeap, workerHeap, workerTargets, type HeapSampler } from '../worker-heap.ts';
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
}

export interface BrowserRunner extends Runner {
  heap: HeapSampler;
  loadMs: number;
}

/** This engine's runner also gives its load report and the worker's stats (its KV accounting). */
export interface EngineRunner extends BrowserRunner {
  report: LoadReport;
  stats: () => Promise<EngineStats>;
}

type PageGlobal = { qwenLocal: { engine: EngineClient }; transformersBench: { call: (request: PeerRequest) => Promise<PeerReply> } };

async function openPage(setup: BrowserSetup, path: string, workerUrlPart: string): Promise<{ page: Page; heap: HeapSampler }> {
  const except = await workerTargets(setup.cdp);
  const page = await setup.context.newPage();
  await page.goto(new URL(path, setup.appUrl).href);
  return { page, heap: sampleHeap(await workerHeap(setup.cdp, workerUrlPart, except)) };
}

export async function openEngine(setup: BrowserSetup, options: LoadOptions): Promise<EngineRunner> {
  const { page, heap } = await openPage(setup, '/', 'engine.worker');
  const source = customSource(setup.hubUrl);
  const dtype = options.dtype ?? 'q4';
  const report = await page.evaluate(
    ({ source, options, dtype }) => (globalThis as unknown as PageGlobal).qwenLocal.engine.load({ source, repo: options.repo, device: options.device, dtype, logitsSlice: options.logitsSlice, unpackBytes: options.unpackBytes }),
    { source, options, dtype },
  );
  if (report.device !== options.device) throw new Error(`the engine runs on ${report.device}, not ${options.device}: ${report.notes.join(' ')}`);
  if (report.dtype !== dtype) throw new Error(`the engine runs ${report.dtype}, not ${dtype}: ${report.notes.join(' ')}`);
  return {
    heap,
    loadMs: report.loadMs,
    report,
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
