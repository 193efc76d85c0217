// A conversation filling the whole 32,768-token context of the (tiny) forged model on WASM:
// the engine prefills it in bounded chunks and its greedy continuation, up to the last
// position, equals onnxruntime-node's on the same tokens. YaRN, asked for at load, gives 131,072.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { applyYarn } from '../workers/engine/graph-rewrite/yarn.ts';
import { yarnFromConfig } from '../workers/engine/graph-rewrite/yarn-rope.ts';
import { ModelRunner } from '../tests/helpers/model-runner.ts';
import { HUB_SOURCE, TINY_INSTRUCT, TINY_INSTRUCT_GQA, appUrl } from './helpers/hub.ts';
import { generate, openEngine } from './helpers/engine-page.ts';
import { promptTokens, referenceGreedy, tokenizerFor, type ChatTurn } from './helpers/reference.ts';

const CONTEXT = 32_768;
const NEW_TOKENS = 24;

/** Turns of varied text, then one filler turn, so the rendered chat is CONTEXT - NEW_TOKENS
 * tokens or just under (each count tokenizes the whole chat, so the sizes are solved for). */
async function longConversation(): Promise<{ messages: ChatTurn[]; tokens: number }> {
  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const count = (messages: ChatTurn[]): number =>
    (tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }) as unknown as number[]).length;
  const target = CONTEXT - NEW_TOKENS;
  const turn = (i: number): ChatTurn[] => [
    { role: 'user', content: `Part ${i}: the river town of Wuzhen keeps ${i * 7} stone bridges, and on day ${i} the ferry left at ${(i % 12) + 1} o'clock. 第${i}段：乌镇有${i * 3}条小船。`.repeat(6) },
    { role: 'assistant', content: `Noted part ${i}.` },
  ];
  const chat = (pairs: number, filler: number): ChatTurn[] => [
    ...Array.from({ length: pairs }, (_, i) => turn(i)).flat(),
    { role: 'user', content: ' river'.repeat(filler) },
  ];
  const perPair = count(chat(2, 0)) - count(chat(1, 0));
  let pairs = Math.floor((target - count(chat(0, 0))) / perPair) - 1;
  while (count(chat(pairs + 1, 0)) <= target) pairs++;
  while (count(chat(pairs, 0)) > target) pairs--;
  // ' river' is one token; the last steps make sure of it.
  let filler = target - count(chat(pairs, 0));
  while (filler > 0 && count(chat(pairs, filler)) > target) filler--;
  const messages = chat(pairs, filler);
  return { messages, tokens: count(messages) };
}

test('a 32,768-token conversation completes and its greedy continuation equals onnxruntime-node\'s', async ({ page }) => {
  test.setTimeout(1_200_000);
  const { messages, tokens } = await longConversation();
  expect(tokens).toBeGreaterThan(CONTEXT - NEW_TOKENS - 4);
  const report = await openEngine(page, TINY_INSTRUCT, 'wasm');
  expect(report.contextTokens).toBe(CONTEXT);
  const result = await generate(page, { input: { mode: 'chat', messages }, maxTokens: NEW_TOKENS, sampling: { temperature: 0, repetition_penalty: 1 } });
  const { promptTokens, prefillTokensPerSecond, decodeTokensPerSecond } = result.stats;
  console.log(
    `32K context on WASM: ${promptTokens} prompt tokens at ${prefillTokensPerSecond.toFixed(0)} tok/s, then ${result.stats.decodeTokens} tokens at ${decodeTokensPerSecond.toFixed(1)} tok/s; KV ${((promptTokens + result.stats.decodeTokens) * report.kvBytesPerToken) / 2 ** 20} MiB`,
  );
  expect(promptTokens).toBe(tokens);
  expect(promptTokens + result.stats.decodeTokens).toBeLessThanOrEqual(CONTEXT);
  expect(result.tokenIds).toEqual(await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages }, result.tokenIds.length, 'node', 512));
});

for (const repo of [TINY_INSTRUCT, TINY_INSTRUCT_GQA]) {
  test(`YaRN on ${repo.split('/')[1]} (WASM): 131,072 tokens of context, greedy tokens equal onnxruntime-node's on the YaRN graph`, async ({ page }) => {
    const messages: ChatTurn[] = [{ role: 'user', content: 'Hello, how are you?' }];
    await page.goto(appUrl(repo, 'wasm'));
    const report = await page.evaluate(
      async ({ source, repo }) => {
        type Engine = import('../src/lib/services/engine-client.ts').EngineClient;
        return (globalThis as unknown as { qwenLocal: { engine: Engine } }).qwenLocal.engine.load({ source, repo, device: 'wasm', dtype: 'q4', ropeScaling: 'yarn' });
      },
      { source: HUB_SOURCE, repo },
    );
    expect([report.contextTokens, report.notes]).toEqual([131_072, []]);
    const result = await generate(page, { input: { mode: 'chat', messages }, maxTokens: 16, sampling: { temperature: 0, repetition_penalty: 1 } });
    const dir = join(HUB_ROOT, repo, 'resolve', 'main');
    const support = yarnFromConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>);
    const rewritten = support.supported && applyYarn(new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx'))), support.rope);
    if (!rewritten || !rewritten.rewritten) throw new Error('the YaRN rewrite failed in Node');
    const runner = await ModelRunner.fromBytes(rewritten.model);
    const expected = await runner.greedy(await promptTokens(repo, { messages }), result.tokenIds.length);
    await runner.release();
    expect(result.tokenIds).toEqual(expected);
    // The rotary change shows even at short range: the plain graph continues differently.
    expect(result.tokenIds).not.toEqual(await referenceGreedy(repo, 'model_q4.onnx', { messages }, result.tokenIds.length));
  });
}
