// The engine's score request (teacher forcing) on WebGPU, where the graph is not sliced and a
// chunk returns every position's logits: a few tokens against onnxruntime-node. (WASM, with
// the sliced graph, is covered through the compare view in compare.spec.ts.)
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { ModelRunner } from '../tests/helpers/model-runner.ts';
import { referenceScores } from '../tests/helpers/teacher-forcing-reference.ts';
import { openEngine, score } from './helpers/engine-page.ts';
import { TINY_BASE } from './helpers/hub.ts';
import { tokenizerFor } from './helpers/reference.ts';

const PROMPT = 'The capital of France is';

test('on WebGPU: ranks, top 5 and probabilities of a short answer match onnxruntime-node\'s', async ({ page }) => {
  test.setTimeout(300_000);
  const report = await openEngine(page, TINY_BASE, 'webgpu');
  expect(report.device).toBe('webgpu');
  const tokenizer = await tokenizerFor(TINY_BASE);
  const answerIds = tokenizer.encode(' Paris, the city of light.', { add_special_tokens: false }) as number[];
  const result = await score(page, { input: { mode: 'completion', prompt: PROMPT }, answerIds: [...answerIds, tokenizer.eos_token_id!] });
  expect(result.promptIds).toEqual(tokenizer.encode(PROMPT, { add_special_tokens: false }));
  // The trailing end-of-sequence token is not scored; each token's text spells the answer.
  expect(result.tokens.map((t) => t.id)).toEqual(answerIds);
  expect(result.tokens.map((t) => t.text).join('')).toBe(' Paris, the city of light.');

  const runner = await ModelRunner.open('node', join(HUB_ROOT, TINY_BASE, 'resolve', 'main', 'onnx'), 'model_q4.onnx');
  const reference = await referenceScores(runner, result.promptIds, answerIds, 1e-3).finally(() => runner.release());
  result.tokens.forEach((token, i) => {
    const ref = reference[i]!;
    expect(Math.abs(token.rank - ref.rank), `token ${i}: ${ref.near} logits within 1e-3`).toBeLessThanOrEqual(ref.near);
    expect(token.top.map((c) => c.id)).toEqual(ref.top.map((c) => c.id));
    expect(Math.abs(token.probability - ref.probability)).toBeLessThanOrEqual(1e-2 * ref.probability);
  });
  console.log(`WebGPU score of ${answerIds.length} tokens after ${result.promptIds.length}: ${result.durationMs.toFixed(0)} ms; ranks ${result.tokens.map((t) => t.rank).join(' ')} (node: ${reference.map((r) => r.rank).join(' ')})`);
});
