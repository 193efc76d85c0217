// A model split at load into stages (workers/engine/split): on WASM each stage after the first
// runs in a worker of its own (its own onnxruntime heap), on WebGPU all stages share the
// engine's device. The greedy tokens equal onnxruntime-node's on the whole file, across turns
// that reuse and crop every stage's KV cache, and an unload leaves no tensor behind. A graph
// whose node names say nothing of layers splits the same (stages follow the KV each layer touches).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { meaninglessNodeNames } from '../scripts/forge/rename-nodes.ts';
import { startHubServer } from '../scripts/hub-server.ts';
import { customSource } from '../workers/protocol/model-source.ts';
import type { EngineClient } from '../src/lib/services/engine-client.ts';
import type { LoadReport, LoadRequest } from '../workers/protocol/messages.ts';
import { HUB_SOURCE, TINY_INSTRUCT, appUrl } from './helpers/hub.ts';
import { generate } from './helpers/engine-page.ts';
import { referenceGreedy, type ChatTurn } from './helpers/reference.ts';

const EXTERNAL = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-ExternalData';
const GREEDY = { temperature: 0, repetition_penalty: 1 };
type PageGlobal = { qwenLocal: { engine: EngineClient } };

async function load(page: Page, options: Omit<LoadRequest, 'kind' | 'id' | 'source'>, source = HUB_SOURCE): Promise<LoadReport> {
  await page.goto(appUrl(options.repo, options.device ?? 'wasm'));
  return page.evaluate(async (options) => (globalThis as unknown as PageGlobal).qwenLocal.engine.load(options), { ...options, source });
}

async function liveTensors(page: Page): Promise<number> {
  return page.evaluate(async () => (await (globalThis as unknown as PageGlobal).qwenLocal.engine.stats()).liveTensors);
}

test('WASM: three stages, two in workers of their own, give onnxruntime-node\'s greedy tokens over turns', async ({ page }) => {
  test.setTimeout(300_000);
  const report = await load(page, { repo: EXTERNAL, device: 'wasm', stages: 3 });
  expect(report.stages.map((s) => s.worker)).toEqual([false, true, true]);
  expect(report.stages[0]!.layers[0]).toBe(0);
  expect(report.stages.map((s) => s.layers)).toEqual([report.stages[0]!.layers, [report.stages[0]!.layers[1], report.stages[1]!.layers[1]], [report.stages[1]!.layers[1], 4]]);
  expect(report.notes.join(' ')).toMatch(/3 stages/);
  // The 4-bit weights were unpacked to float32 (the default on WASM when memory allows) in every stage.
  for (const stage of report.stages) expect(stage.unpackedBytes).toBeGreaterThan(0);
  const first: ChatTurn[] = [{ role: 'user', content: 'Name three rivers in China.' }];
  const one = await generate(page, { input: { mode: 'chat', messages: first }, maxTokens: 12, sampling: GREEDY });
  expect(one.tokenIds).toEqual(await referenceGreedy(EXTERNAL, 'model_q4.onnx', { messages: first }, one.tokenIds.length));
  // The next turn reuses the cached prefix (cropped back to where the answer's text re-tokenizes).
  const second: ChatTurn[] = [...first, { role: 'assistant', content: one.text }, { role: 'user', content: '再说一遍。' }];
  const two = await generate(page, { input: { mode: 'chat', messages: second }, maxTokens: 8, sampling: GREEDY });
  expect(two.stats.reusedTokens).toBeGreaterThan(0);
  expect(two.tokenIds).toEqual(await referenceGreedy(EXTERNAL, 'model_q4.onnx', { messages: second }, two.tokenIds.length));
  // A different first turn crops every stage's cache back to the shared system prompt.
  const other: ChatTurn[] = [{ role: 'user', content: 'Count to five.' }];
  const three = await generate(page, { input: { mode: 'chat', messages: other }, maxTokens: 8, sampling: GREEDY });
  expect(three.stats.reusedTokens).toBeLessThan(two.stats.reusedTokens);
  expect(three.tokenIds).toEqual(await referenceGreedy(EXTERNAL, 'model_q4.onnx', { messages: other }, three.tokenIds.length));
  // 4 layers × key and value, spread over the three stages.
  expect(await liveTensors(page)).toBe(8);
  console.log(`[figures] split WASM tiny: stages ${JSON.stringify(report.stages)}, decode ${one.stats.decodeTokensPerSecond.toFixed(1)} tok/s`);
  await page.evaluate(async () => (globalThis as unknown as PageGlobal).qwenLocal.engine.unload());
  expect(await liveTensors(page)).toBe(0);
});

test('WebGPU: two stages on one device, tensors above a 16 MiB buffer limit split, give onnxruntime-node\'s greedy tokens', async ({ page }) => {
  test.setTimeout(300_000);
  const limit = 16 * 2 ** 20;
  const report = await load(page, { repo: TINY_INSTRUCT, device: 'webgpu', stages: 2, bufferLimitBytes: limit });
  expect(report.device).toBe('webgpu');
  expect(report.stages.map((s) => s.worker)).toEqual([false, false]);
  // WebGPU runs MatMulNBits as it is: nothing unpacked.
  for (const stage of report.stages) expect(stage.unpackedBytes).toBe(0);
  const messages: ChatTurn[] = [{ role: 'user', content: 'Hi' }];
  const result = await generate(page, { input: { mode: 'chat', messages }, maxTokens: 3, sampling: GREEDY });
  expect(result.tokenIds).toEqual(await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages }, result.tokenIds.length));
  const stats = await page.evaluate(async () => (globalThis as unknown as PageGlobal).qwenLocal.engine.stats());
  expect(stats.liveTensors).toBe(8);
  // The 78 MB embedding table went to the GPU in pieces: no buffer passed the limit.
  console.log(`[figures] split WebGPU tiny, limit ${limit} bytes: largest GPU buffer ${stats.largestGpuBufferBytes} bytes`);
  expect(stats.largestGpuBufferBytes).toBeGreaterThan(0);
  expect(stats.largestGpuBufferBytes!).toBeLessThanOrEqual(limit);
});

test('WASM: a graph with meaningless node names splits into three stages, unpacked, and gives onnxruntime-node\'s greedy tokens', async ({ page }) => {
  test.setTimeout(300_000);
  // A hub of its own with the tiny model, every node renamed (no layers.N in any name).
  const root = mkdtempSync(join(tmpdir(), 'renamed-hub-'));
  const renamed = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-Renamed';
  const dir = join(root, renamed, 'resolve', 'main');
  cpSync(join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main'), dir, { recursive: true });
  const file = join(dir, 'onnx', 'model_q4.onnx');
  writeFileSync(file, meaninglessNodeNames(new Uint8Array(readFileSync(file))));
  const hub = await startHubServer(root);
  try {
    const report = await load(page, { repo: renamed, device: 'wasm', stages: 3 }, customSource(hub.url));
    expect(report.stages).toHaveLength(3);
    for (const stage of report.stages) {
      expect(stage.layers[1]).toBeGreaterThan(stage.layers[0]);
      expect(stage.unpackedBytes).toBeGreaterThan(0);
    }
    const messages: ChatTurn[] = [{ role: 'user', content: 'Name three rivers in China.' }];
    const answer = await generate(page, { input: { mode: 'chat', messages }, maxTokens: 8, sampling: GREEDY });
    // The renamed file computes what the forged one does, on onnxruntime-node.
    expect(answer.tokenIds).toEqual(await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages }, answer.tokenIds.length));
  } finally {
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('WASM fast start: serves at once on the 4-bit weights from a worker, then the unpacked stages take over; both give onnxruntime-node\'s greedy tokens', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(appUrl(TINY_INSTRUCT, 'wasm'));
  const messages: ChatTurn[] = [{ role: 'user', content: 'Name three rivers in China.' }];
  // The first answer is asked for as soon as the load resolves, so it runs before the swap (the
  // swap waits for a gap between requests); the order is printed, not assumed.
  const run = await page.evaluate(
    async ({ source, repo, messages, sampling }) => {
      const engine = (globalThis as unknown as PageGlobal).qwenLocal.engine;
      const order: string[] = [];
      let spedUp: (outcome: unknown) => void = () => undefined;
      const outcome = new Promise((resolve) => (spedUp = resolve));
      const report = await engine.load({ source, repo, device: 'wasm', dtype: 'q4', fastStart: true }, undefined, undefined, (o) => {
        order.push('sped-up');
        spedUp(o);
      });
      const first = await engine.generate({ input: { mode: 'chat', messages }, maxTokens: 12, sampling });
      order.push('first answer');
      const swapped = await outcome;
      const second = await engine.generate({ input: { mode: 'chat', messages }, maxTokens: 12, sampling });
      return { report, first: first.tokenIds, swapped, second: second.tokenIds, stats: await engine.stats(), order };
    },
    { source: HUB_SOURCE, repo: TINY_INSTRUCT, messages, sampling: GREEDY },
  );
  expect(run.report.speedUp?.unpackedBytes).toBeGreaterThan(0);
  expect(run.report.stages.map((s) => [s.worker, s.unpackedBytes])).toEqual([[true, 0]]);
  const swapped = run.swapped as { stages: LoadReport['stages'] };
  expect(swapped.stages.length).toBeGreaterThan(0);
  for (const stage of swapped.stages) expect(stage.worker).toBe(true);
  expect(swapped.stages.reduce((sum, s) => sum + s.unpackedBytes, 0)).toBe(run.report.speedUp!.unpackedBytes);
  const reference = await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages }, run.first.length);
  expect(run.first).toEqual(reference);
  expect(run.second).toEqual(reference);
  // The 4-bit worker is gone: only the unpacked stages' KV (4 layers × key and value) is held.
  expect(run.stats.liveTensors).toBe(8);
  console.log(`[figures] fast start WASM tiny: events ${run.order.join(' → ')}; unpacked stages ${JSON.stringify(swapped.stages)}`);
});
