// Shown: whatever a model's logits say, the constrained output is a complete document that
// JSON.parse reads and ajv (with ajv-formats) validates, ended by an end-of-sequence token within
// max_tokens: for each schema of schemas.ts and for json_object, with random logits over Qwen2.5's
// whole 151,936-entry vocabulary (what a random-weight model amounts to) through the project's
// sampler, at temperature 1 and greedy, with room to spare and with max_tokens at the very least
// the smallest document needs. The mask's time per step is printed at the end.
import { describe, expect, it } from 'vitest';
import { createGrammarConstraint, minimalDocumentTokens } from '../../../workers/grammar/grammar-constraint.ts';
import type { ResponseFormat } from '../../../workers/protocol/response-format.ts';
import { Random } from '../../../workers/generation/random.ts';
import { createSampler } from '../../../workers/generation/sampler.ts';
import { GREEDY } from '../../../workers/generation/sampling-params.ts';
import { figureTable } from '../../helpers/figures.ts';
import { decodeTokens, EOS_IDS, generate, QWEN_LOGITS, qwenVocabulary, validationProblem } from './helpers.ts';
import { SCHEMAS } from './schemas.ts';

const vocab = qwenVocabulary();
const figure = figureTable('grammar: random-logit generations');
const stepTimes: number[] = [];

// Random logits: each step a random one of a few random vectors, rotated by a random amount.
const POOL = (() => {
  const random = new Random(2024);
  return Array.from({ length: 8 }, () => Float32Array.from({ length: QWEN_LOGITS }, () => random.next() * 8));
})();

function randomLogits(seed: number): () => Float32Array {
  const random = new Random(seed);
  const logits = new Float32Array(QWEN_LOGITS);
  return () => {
    const source = POOL[Math.floor(random.next() * POOL.length)]!;
    const shift = Math.floor(random.next() * QWEN_LOGITS);
    logits.set(source.subarray(shift));
    logits.set(source.subarray(0, shift), QWEN_LOGITS - shift);
    return logits;
  };
}

interface Run {
  maxTokens: number;
  temperature: number;
  seed: number;
}

async function expectValidRun(format: ResponseFormat, schema: object, { maxTokens, temperature, seed }: Run): Promise<void> {
  const constraint = createGrammarConstraint(format, vocab, { maxTokens, eosTokenIds: EOS_IDS })!;
  const sampler = createSampler({ ...GREEDY, temperature, seed });
  const { tokens, ended } = await generate(constraint, sampler, maxTokens, randomLogits(seed), [], stepTimes);
  const text = decodeTokens(tokens);
  const where = `${maxTokens} tokens, temperature ${temperature}, seed ${seed}: ${text}`;
  expect(ended, `no end-of-sequence within ${where}`).toBe(true);
  expect(validationProblem(schema, text), where).toBeNull();
}

describe('generation with random logits', () => {
  it('covers at least 50 schemas', () => {
    expect(SCHEMAS.length).toBeGreaterThanOrEqual(50);
  });

  for (const [at, { name, schema }] of SCHEMAS.entries()) {
    it(name, async () => {
      const format: ResponseFormat = { type: 'json_schema', json_schema: { name: 'case', schema, strict: true } };
      const least = minimalDocumentTokens(format, vocab) + 1;
      const seed = 100 * at;
      await expectValidRun(format, schema, { maxTokens: 200, temperature: 1, seed: seed + 1 });
      await expectValidRun(format, schema, { maxTokens: 200, temperature: 0, seed: seed + 2 });
      await expectValidRun(format, schema, { maxTokens: least, temperature: 1, seed: seed + 3 });
      await expectValidRun(format, schema, { maxTokens: least + 8, temperature: 1, seed: seed + 4 });
    });
  }

  it('json_object', async () => {
    const format: ResponseFormat = { type: 'json_object' };
    const schema = { type: 'object' };
    for (const seed of [1, 2, 3, 4, 5, 6]) await expectValidRun(format, schema, { maxTokens: 200, temperature: 1, seed });
    await expectValidRun(format, schema, { maxTokens: 120, temperature: 0, seed: 7 });
    await expectValidRun(format, schema, { maxTokens: 2, temperature: 1, seed: 8 });
  });

  it('keeps the mask fast', () => {
    const sorted = stepTimes.toSorted((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
    figure('steps', sorted.length);
    figure('median apply() ms', median);
    figure('p99 apply() ms', p99);
    // Loose bounds for a loaded CI machine; the bench (npm run bench:grammar) reports the figures.
    expect(median).toBeLessThan(5);
  });
});
