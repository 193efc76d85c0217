// Drives the engine client the app puts on the page (window.qwenLocal.engine) from a test.
import type { Page } from '@playwright/test';
import type { EngineClient, ScoreResult } from '../../src/lib/services/engine-client.ts';
import type { LoadReport, EngineStats, LoadRequest, ScoreRequest } from '../../workers/protocol/messages.ts';
import type { GeneratePayload, GenerateResult } from '../../workers/protocol/text-generator.ts';
import { HUB_SOURCE, appUrl } from './hub.ts';

export interface Generation extends GenerateResult {
  deltas: string[];
}

/** The page's globals as seen inside page.evaluate (e2e is type-checked without DOM types). */
type PageGlobal = { qwenLocal: { engine: EngineClient } };

export async function openEngine(page: Page, model: string, device: 'webgpu' | 'wasm', dtype = 'q4'): Promise<LoadReport> {
  await page.goto(appUrl(model, device, dtype));
  return page.evaluate(
    async ({ source, repo, device, dtype }) => {
      const engine = (globalThis as unknown as PageGlobal).qwenLocal.engine;
      return engine.load({ source, repo, device, dtype: dtype as 'q4' });
    },
    { source: HUB_SOURCE, repo: model, device, dtype },
  );
}

export async function generate(page: Page, options: GeneratePayload, abortAfterDeltas?: number): Promise<Generation> {
  return page.evaluate(
    async ({ options, abortAfterDeltas }) => {
      const engine = (globalThis as unknown as PageGlobal).qwenLocal.engine;
      const deltas: string[] = [];
      const controller = new AbortController();
      const result = await engine.generate(options, {
        signal: controller.signal,
        onDelta: (delta) => {
          deltas.push(delta);
          if (abortAfterDeltas !== undefined && deltas.length >= abortAfterDeltas) controller.abort();
        },
      });
      return { ...result, deltas };
    },
    { options, abortAfterDeltas },
  );
}

/** Teacher forcing through the page's engine (see ScoreRequest). */
export async function score(page: Page, options: Omit<ScoreRequest, 'kind' | 'id'>): Promise<ScoreResult> {
  return page.evaluate(async (options) => (globalThis as unknown as PageGlobal).qwenLocal.engine.score(options), options);
}

type ErrorSummary = { code: string; message: string } | null;

/** The engine's error for a load, as { code, message }, or null if it succeeded. */
export async function loadError(page: Page, options: Omit<LoadRequest, 'kind' | 'id'>): Promise<ErrorSummary> {
  return page.evaluate(async (options) => {
    try {
      await (globalThis as unknown as PageGlobal).qwenLocal.engine.load(options);
      return null;
    } catch (error) {
      const e = error as { code: string; message: string };
      return { code: e.code, message: e.message };
    }
  }, options);
}

/** The engine's error for a request, as { code, message }, or null if it succeeded. */
export async function generateError(page: Page, options: GeneratePayload): Promise<ErrorSummary> {
  return page.evaluate(
    async ({ options }) => {
      const engine = (globalThis as unknown as PageGlobal).qwenLocal.engine;
      try {
        await engine.generate(options);
        return null;
      } catch (error) {
        const e = error as { code: string; message: string };
        return { code: e.code, message: e.message };
      }
    },
    { options },
  );
}

export async function engineStats(page: Page): Promise<EngineStats> {
  return page.evaluate(async () => (globalThis as unknown as PageGlobal).qwenLocal.engine.stats());
}

export async function unloadEngine(page: Page): Promise<void> {
  await page.evaluate(async () => (globalThis as unknown as PageGlobal).qwenLocal.engine.unload());
}
