// Shown: with a real (forged, random-weight) Qwen2.5 ONNX model on onnxruntime-node decoding
// through the constraint and the project's sampler, each output is a complete document that
// ajv validates, within max_tokens, for every schema of schemas.ts, greedy and at temperature 1
// with two seeds. The model's logits are the full 151,936-entry rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrammarConstraint } from '../../../workers/grammar/grammar-constraint.ts';
import type { ResponseFormat } from '../../../workers/protocol/response-format.ts';
import { type TokenVocabulary, vocabularyFromTokenizerJson } from '../../../workers/grammar/vocabulary.ts';
import { createSampler } from '../../../workers/generation/sampler.ts';
import { GREEDY } from '../../../workers/generation/sampling-params.ts';
import { FIXTURES, fixtureModel } from '../../helpers/fixtures.ts';
import { type KvCache, ModelRunner, PROMPT_IDS } from '../../helpers/model-runner.ts';
import { decodeTokens, EOS_IDS, generate, validationProblem } from './helpers.ts';
import { SCHEMAS } from './schemas.ts';

const MAX_TOKENS = 120;
const model = fixtureModel(FIXTURES.find((spec) => spec.id === 'optimum-q4')!);
let runner: ModelRunner;
let vocab: TokenVocabulary;

beforeAll(async () => {
  runner = await ModelRunner.open('node', model.onnxDir, model.fileName);
  const tokenizerJson: unknown = JSON.parse(readFileSync(join(model.dir, 'tokenizer.json'), 'utf8'));
  vocab = vocabularyFromTokenizerJson(tokenizerJson, 151_936);
});
afterAll(() => runner.release());

/** The model's next-token logits as decoding goes: the prompt first, then one token a step. */
function modelLogits(): (tokens: readonly number[]) => Promise<Float32Array> {
  let cache: KvCache | undefined;
  return async (tokens) => {
    const input = cache === undefined ? PROMPT_IDS : [tokens.at(-1)!];
    const result = await runner.forward(input, cache);
    cache = result.cache;
    return result.logits.slice(result.logits.length - result.vocab);
  };
}

const asFormat = (schema: Record<string, unknown>): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 'case', schema, strict: true } });
const CASES: [string, ResponseFormat, object][] = [
  ['json_object', { type: 'json_object' }, { type: 'object' }],
  ...SCHEMAS.map((c): [string, ResponseFormat, object] => [c.name, asFormat(c.schema), c.schema]),
];
// Greedy, then sampled at temperature 1 (the full distribution) with two seeds.
const SETTINGS = [
  { temperature: 0, seed: 0 },
  { temperature: 1, seed: 1 },
  { temperature: 1, seed: 2 },
] as const;

describe('a forged Qwen2.5 model decoding under the grammar', () => {
  for (const [name, format, schema] of CASES) {
    it(name, async () => {
      for (const { temperature, seed } of SETTINGS) {
        const constraint = createGrammarConstraint(format, vocab, { maxTokens: MAX_TOKENS, eosTokenIds: EOS_IDS })!;
        const sampler = createSampler({ ...GREEDY, temperature, seed });
        const { tokens, ended } = await generate(constraint, sampler, MAX_TOKENS, modelLogits(), PROMPT_IDS);
        const text = decodeTokens(tokens, vocab);
        expect(ended, text).toBe(true);
        expect(validationProblem(schema, text), text).toBeNull();
      }
    });
  }
});
