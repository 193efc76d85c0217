// The engine in the browser, on the WASM EP and on WebGPU (SwiftShader here), serving forged
// fixtures from a local hub: greedy output against onnxruntime-node, KV-cache reuse across
// turns against cold runs, seeded sampling and streaming, abort, context errors, GPU leaks.
import { expect, test, type Page } from '@playwright/test';
import type { EngineStats } from '../workers/protocol/messages.ts';
import { engineStats, generate, generateError, loadError, openEngine, unloadEngine } from './helpers/engine-page.ts';
import { HUB_SOURCE, TINY_BASE, TINY_INSTRUCT, TINY_INSTRUCT_GQA, TINY_INSTRUCT_KV32 } from './helpers/hub.ts';
import { referenceGreedy, type ChatTurn } from './helpers/reference.ts';

const GREEDY = { temperature: 0, repetition_penalty: 1 };
const HELLO: ChatTurn[] = [{ role: 'user', content: 'Hello, how are you?' }];

function chat(messages: ChatTurn[], maxTokens: number, extra: object = {}) {
  return { input: { mode: 'chat' as const, messages }, maxTokens, sampling: GREEDY, ...extra };
}

for (const [variant, repo] of [
  ['optimum', TINY_INSTRUCT],
  ['gqa', TINY_INSTRUCT_GQA],
] as const) {
  for (const [device, tokens] of [
    ['wasm', 32],
    ['webgpu', 8],
  ] as const) {
    test(`${variant} on ${device}: greedy tokens equal onnxruntime-node's for ${tokens} tokens`, async ({ page }) => {
      test.setTimeout(300_000);
      const report = await openEngine(page, repo, device);
      expect(report.device).toBe(device);
      expect(report.dtype).toBe('q4');
      expect(report.hasPositionIds).toBe(variant === 'optimum');
      // GroupQueryAttention on WebGPU writes the KV cache in place: no KV tensor is made per step.
      // The Optimum graph gets there by its attention rewritten at load (attention-gqa.ts).
      expect(report.kvInPlace).toBe(device === 'webgpu');
      expect(report.notes.filter((note) => note.startsWith('The attention was left'))).toEqual([]);
      const before = await engineStats(page);
      const result = await generate(page, chat(HELLO, tokens));
      const made = (await engineStats(page)).kvTensorsMade - before.kvTensorsMade;
      console.log(`${variant} on ${device}: KV tensors made during ${result.stats.promptTokens} prompt tokens and ${tokens} new ones: ${made}`);
      if (report.kvInPlace) expect(made).toBe(0);
      else expect(made).toBeGreaterThanOrEqual(2 * report.layers * tokens);
      const { prefillTokensPerSecond, decodeTokensPerSecond, timeToFirstTokenMs } = result.stats;
      console.log(`${variant} on ${device}: load ${report.loadMs.toFixed(0)} ms, warm-up ${report.warmupMs.toFixed(0)} ms, prefill ${prefillTokensPerSecond.toFixed(1)} tok/s, decode ${decodeTokensPerSecond.toFixed(2)} tok/s, first token ${timeToFirstTokenMs.toFixed(0)} ms, lm_head rows ${JSON.stringify(report.logitsRows)}`);
      // The warm-up times the lm_head's row minimum on WebGPU only, and keeps one it tried.
      if (device === 'webgpu') expect(Object.keys(report.logitsRows!.stepMs)).toEqual(['1', '4']);
      else expect(report.logitsRows).toBeNull();
      expect(result.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4.onnx', { messages: HELLO }, tokens));
      expect(result.deltas.join('')).toBe(result.text);
      if (report.kvInPlace) {
        // The in-place cache cropped to a shared prefix (an edit) and then grown again (a follow-up turn).
        const edited: ChatTurn[] = [{ role: 'user', content: 'Hello, how is it going?' }];
        const afterCrop = await generate(page, chat(edited, 4));
        expect(afterCrop.stats.reusedTokens).toBeGreaterThan(0);
        expect(afterCrop.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4.onnx', { messages: edited }, 4));
        const followUp: ChatTurn[] = [...edited, { role: 'assistant', content: afterCrop.text }, { role: 'user', content: 'And then?' }];
        const next = await generate(page, chat(followUp, 4));
        expect(next.stats.reusedTokens).toBeGreaterThanOrEqual(afterCrop.stats.promptTokens);
        // The same prompt ids from an empty cache (the answer's ids are remembered, not re-tokenized).
        const cold = await generate(page, chat(followUp, 4, { freshCache: true }));
        expect(cold.stats.reusedTokens).toBe(0);
        expect(next.tokenIds).toEqual(cold.tokenIds);
        expect((await engineStats(page)).kvTensorsMade).toBe(before.kvTensorsMade);
      }
    });
  }
}

test('raw completion on a base model: greedy tokens equal onnxruntime-node\'s', async ({ page }) => {
  const prompt = 'The capital of France is';
  await openEngine(page, TINY_BASE, 'wasm');
  const result = await generate(page, { input: { mode: 'completion', prompt }, maxTokens: 24, sampling: GREEDY });
  expect(result.stats.promptTokens).toBe(5);
  expect(result.tokenIds).toEqual(await referenceGreedy(TINY_BASE, 'model_q4.onnx', { prompt }, 24));
});

for (const [kv, repo] of [
  ['float16', TINY_INSTRUCT],
  ['float32', TINY_INSTRUCT_KV32],
] as const) {
  test(`q4f16 with ${kv} KV on WASM: greedy tokens equal onnxruntime-web's, also after a cropped cache`, async ({ page }) => {
    const report = await openEngine(page, repo, 'wasm', 'q4f16');
    expect(report.kvType).toBe(kv);
    const first = await generate(page, chat(HELLO, 16));
    expect(first.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4f16.onnx', { messages: HELLO }, 16, 'web'));
    const edited: ChatTurn[] = [{ role: 'user', content: 'Hello, how is it going?' }];
    const afterCrop = await generate(page, chat(edited, 8));
    expect(afterCrop.stats.reusedTokens).toBeGreaterThan(0);
    expect(afterCrop.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4f16.onnx', { messages: edited }, 8, 'web'));
  });
}

test('q4f16 asked for on an adapter without shader-f16 runs q4 and says why', async ({ page }) => {
  const report = await openEngine(page, TINY_INSTRUCT, 'webgpu', 'q4f16');
  expect(report.device).toBe('webgpu');
  expect(report.shaderF16).toBe(false);
  expect(report.dtype).toBe('q4');
  expect(report.notes.join(' ')).toMatch(/no shader-f16/);
});

test.describe('on the WASM EP', () => {
  let page: Page;
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await openEngine(page, TINY_INSTRUCT, 'wasm');
  });
  test.afterAll(async () => page.close());

  test('a 3-turn chat reuses the whole earlier conversation and matches cold runs; an edit reuses the common prefix', async () => {
    const turns: ChatTurn[][] = [];
    const warm = [];
    let messages: ChatTurn[] = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Name three colors.' }];
    for (const next of ['And three animals?', 'Now one fruit.', null]) {
      const result = await generate(page, chat(messages, 12));
      turns.push(messages);
      warm.push(result);
      if (next === null) break;
      messages = [...messages, { role: 'assistant', content: result.text }, { role: 'user', content: next }];
    }
    for (let i = 1; i < warm.length; i++) {
      const before = warm[i - 1]!.stats;
      // The cache holds the previous prompt and every generated token but the last (not fed yet).
      expect(warm[i]!.stats.reusedTokens).toBe(before.promptTokens + before.decodeTokens - 1);
      expect(warm[i]!.stats.prefillTokens).toBe(warm[i]!.stats.promptTokens - warm[i]!.stats.reusedTokens);
    }
    for (let i = 0; i < turns.length; i++) {
      const cold = await generate(page, chat(turns[i]!, 12, { freshCache: true }));
      expect(cold.stats.reusedTokens).toBe(0);
      expect(cold.tokenIds).toEqual(warm[i]!.tokenIds);
    }

    const edited = turns[2]!.map((m, i) => (i === 1 ? { ...m, content: 'Name three shapes.' } : m));
    const afterEdit = await generate(page, chat(edited, 12));
    const systemAndUserHeader = afterEdit.stats.reusedTokens;
    expect(systemAndUserHeader).toBeGreaterThan(0);
    expect(systemAndUserHeader).toBeLessThan(warm[0]!.stats.promptTokens);
    const editedCold = await generate(page, chat(edited, 12, { freshCache: true }));
    expect(editedCold.tokenIds).toEqual(afterEdit.tokenIds);
  });

  test('seeded sampling is reproducible and streamed deltas join to the text, in Chinese and with emoji', async () => {
    for (const content of ['你好，请用中文介绍一下你自己。', 'Reply with emoji 😀🎉 and 汉字 please']) {
      const options = { ...chat([{ role: 'user', content }], 24, { freshCache: true }), sampling: { temperature: 1, top_p: 0.95, top_k: 0, seed: 1234 } };
      const a = await generate(page, options);
      const b = await generate(page, options);
      expect(b.tokenIds).toEqual(a.tokenIds);
      expect(a.deltas.join('')).toBe(a.text);
      expect(b.deltas.join('')).toBe(b.text);
      const other = await generate(page, { ...options, sampling: { ...options.sampling, seed: 99 } });
      expect(other.tokenIds).not.toEqual(a.tokenIds);
    }
  });

  test('a stop string ends the answer right before it and is never emitted', async () => {
    const free = await generate(page, chat(HELLO, 16, { freshCache: true }));
    const stop = free.text.slice(8, 12);
    const stopped = await generate(page, chat(HELLO, 16, { stop: [stop] }));
    expect(stopped.stats.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(stopped.deltas.join('')).toBe(stopped.text);
  });

  test('abort stops within a step; the next request works and reuses the cache', async () => {
    const started = Date.now();
    const aborted = await generate(page, chat(HELLO, 400), 2);
    expect(aborted.stats.finishReason).toBe('abort');
    expect(aborted.stats.decodeTokens).toBeLessThan(10);
    expect(Date.now() - started).toBeLessThan(20_000);
    const next = await generate(page, chat([...HELLO, { role: 'assistant', content: aborted.text }, { role: 'user', content: 'Go on.' }], 4));
    expect(next.stats.reusedTokens).toBeGreaterThan(aborted.stats.promptTokens - 1);
    expect(next.tokenIds.length).toBeGreaterThan(0);
  });

  test('a prompt over the context window gets a clear error, and the engine keeps working', async () => {
    const long = 'word '.repeat(33_000);
    const error = await generateError(page, chat([{ role: 'user', content: long }], 4));
    expect(error?.code).toBe('context_length_exceeded');
    expect(error?.message).toMatch(/\d+ tokens.*context window is 32768 tokens/);
    const after = await generate(page, chat(HELLO, 2));
    expect(after.tokenIds.length).toBe(2);
  });

  test('requests sent together are served one after the other, each with its own stream', async () => {
    const other: ChatTurn[] = [{ role: 'user', content: 'Count to five.' }];
    const [a, b] = await Promise.all([generate(page, chat(HELLO, 12, { freshCache: true })), generate(page, chat(other, 12, { freshCache: true }))]);
    expect(a.deltas.join('')).toBe(a.text);
    expect(b.deltas.join('')).toBe(b.text);
    expect(a.tokenIds).toEqual(await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages: HELLO }, 12));
    expect(b.tokenIds).toEqual(await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages: other }, 12));
  });

  test('after unload a request gets model_not_loaded with what to do', async () => {
    await unloadEngine(page);
    expect((await engineStats(page)).loaded).toBe(false);
    const error = await generateError(page, chat(HELLO, 2));
    expect(error?.code).toBe('model_not_loaded');
    expect(error?.message).toMatch(/load it first/);
  });
});

/** Engine stats after `warmup` generations and after all `runs` of them (prompts cycle). */
async function statsAfterRuns(page: Page, runs: number, warmup: number, prompts: number, maxTokens: number): Promise<[EngineStats, EngineStats]> {
  let early: EngineStats | null = null;
  for (let i = 0; i < runs; i++) {
    await generate(page, chat([{ role: 'user', content: `Question ${i % prompts}` }], maxTokens));
    if (i + 1 === warmup) early = await engineStats(page);
  }
  const late = await engineStats(page);
  console.log(`after ${warmup} and ${runs} generations: live GPU buffers ${early!.liveGpuBuffers} -> ${late.liveGpuBuffers}, live tensors ${early!.liveTensors} -> ${late.liveTensors}`);
  return [early!, late];
}

test.describe('no growth over many requests', () => {
  test('200 short generations in a row on WASM: live tensors stay constant', async ({ page }) => {
    test.setTimeout(600_000);
    await openEngine(page, TINY_INSTRUCT, 'wasm');
    const [early, late] = await statsAfterRuns(page, 200, 10, 7, 2);
    expect(late.liveTensors).toBe(early.liveTensors);
    expect(late.requestsServed - early.requestsServed).toBe(190);
  });

  // One new token each (SwiftShader takes seconds per decode step): prefill, cache crop on the
  // device, commit and disposal all run every time.
  test('200 short generations in a row on WebGPU: live GPU buffers and tensors do not grow', async ({ page }) => {
    test.setTimeout(900_000);
    await openEngine(page, TINY_INSTRUCT, 'webgpu');
    const [early, late] = await statsAfterRuns(page, 200, 10, 7, 1);
    expect(early.liveGpuBuffers).not.toBeNull();
    expect(late.liveGpuBuffers!).toBeLessThanOrEqual(early.liveGpuBuffers!);
    expect(late.liveTensors).toBe(early.liveTensors);
  });
});

test('a repository without the model file gets a clear error naming what is missing', async ({ page }) => {
  await page.goto('/');
  const error = await loadError(page, { source: HUB_SOURCE, repo: 'qwen-local-forge/Qwen2.5-Tiny-Instruct-KV32', dtype: 'q4', device: 'wasm' });
  expect(error?.code).toBe('model_files_invalid');
  expect(error?.message).toContain('has no onnx/model_q4.onnx');
});
