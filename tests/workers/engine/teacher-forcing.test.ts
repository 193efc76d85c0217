// The alignment diff's numbers, shown equal to an independent computation: the engine's teacher
// forcing (teacher-forcing.ts + token-rank.ts) runs the forged base and chat models through the
// logits_rows-sliced graph in small chunks on a KV cache, as the engine does on WASM; the
// reference (tests/helpers/teacher-forcing-reference.ts) runs one full pass of the original
// graph on onnxruntime-node and counts ranks by sorting. Ranks and top-5 ids must be equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../scripts/forge/fixture-set.ts';
import { summarize } from '../../../src/lib/utils/alignment-diff.ts';
import { chatPrompt } from '../../../src/lib/utils/compare-prompts.ts';
import { LOGITS_ROWS, sliceLogits } from '../../../workers/engine/graph-rewrite/logits-slice.ts';
import { PromptEncoder, createTokenizer } from '../../../workers/engine/prompt-encoder.ts';
import { scoreAnswer, type ForcedModel } from '../../../workers/engine/teacher-forcing.ts';
import type { RowScore } from '../../../workers/engine/token-rank.ts';
import { Random } from '../../../workers/generation/random.ts';
import { createSampler } from '../../../workers/generation/sampler.ts';
import { GREEDY } from '../../../workers/generation/sampling-params.ts';
import { fixtureModel, type FixtureModel } from '../../helpers/fixtures.ts';
import { ModelRunner, type KvCache } from '../../helpers/model-runner.ts';
import { referenceScores, type ReferenceScore } from '../../helpers/teacher-forcing-reference.ts';

const BASE = fixtureModel(fixture('base-optimum-q4'));
const CHAT = fixtureModel(fixture('optimum-q4'));
const QUESTION = 'Explain what a large language model is in two sentences.';
const ANSWER_TOKENS = 40;

/** The engine's view of a model (ForcedModel) over onnxruntime-node and the sliced graph. */
class SlicedModel implements ForcedModel {
  readonly steps: { tokens: number; rows: number }[] = [];
  readonly #runner: ModelRunner;
  readonly #chunks: { prompt: number; rows: number };
  #cache: KvCache;

  constructor(runner: ModelRunner, chunks: { prompt: number; rows: number }) {
    this.#runner = runner;
    this.#chunks = chunks;
    this.#cache = runner.emptyCache();
  }

  get past(): number {
    return this.#cache.length;
  }

  chunkTokens(allRows: boolean): number {
    return allRows ? this.#chunks.rows : this.#chunks.prompt;
  }

  async step(ids: readonly number[], rows: number): Promise<Float32Array> {
    const result = await this.#runner.forward([...ids], this.#cache, { [LOGITS_ROWS]: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt(i - rows)), [rows]) });
    this.#cache = result.cache;
    this.steps.push({ tokens: ids.length, rows });
    return result.logits;
  }
}

async function slicedRunner(model: FixtureModel): Promise<ModelRunner> {
  const rewrite = sliceLogits(new Uint8Array(readFileSync(join(model.onnxDir, model.fileName))));
  if (!rewrite.rewritten) throw new Error(rewrite.reason);
  return ModelRunner.fromBytes(rewrite.model);
}

function promptIds(model: FixtureModel): number[] {
  const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(model.dir, file), 'utf8')) as Record<string, unknown>;
  const encoder = new PromptEncoder(createTokenizer(json('tokenizer.json'), json('tokenizer_config.json')));
  return encoder.encode(encoder.render(chatPrompt(QUESTION).input));
}

/** The chat model's answer, decoded by the project's sampler on the reference runner. */
async function decode(runner: ModelRunner, prompt: number[], sampling: typeof GREEDY): Promise<number[]> {
  const sampler = createSampler(sampling, new Random(sampling.seed));
  const answer: number[] = [];
  let result = await runner.forward(prompt);
  while (answer.length < ANSWER_TOKENS) {
    const token = sampler.sample(result.logits.slice(result.logits.length - result.vocab), { promptTokens: prompt, generatedTokens: answer });
    answer.push(token);
    result = await runner.forward([token], result.cache);
  }
  return answer;
}

/** Probabilities agree to float32 noise in the logits; ranks and top-5 ids exactly. */
function expectSame(engine: RowScore[], reference: ReferenceScore[]): void {
  // Should a rank differ, `near` says how many logits lay within 1e-4 of the token's.
  expect(engine.map((s) => s.rank), `near: ${reference.map((s) => s.near).join(' ')}`).toEqual(reference.map((s) => s.rank));
  expect(engine.map((s) => s.top.map((c) => c.id))).toEqual(reference.map((s) => s.top.map((c) => c.id)));
  const close = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * b);
  engine.forEach((s, i) => {
    close(s.probability, reference[i]!.probability);
    s.top.forEach((c, j) => close(c.probability, reference[i]!.top[j]!.probability));
  });
  // The summary's shares from the engine's ranks, against a count of the reference's.
  const share = (keep: (rank: number) => boolean): number => (100 * reference.filter((s) => keep(s.rank)).length) / reference.length;
  expect(summarize(engine.map((s) => s.rank)).percent).toEqual({ unshifted: share((r) => r === 1), marginal: share((r) => r === 2 || r === 3), shifted: share((r) => r > 3) });
}

let base: { reference: ModelRunner; sliced: ModelRunner };
let chat: { reference: ModelRunner; sliced: ModelRunner };
let prompt: number[];
let greedyAnswer: number[];

beforeAll(async () => {
  base = { reference: await ModelRunner.open('node', BASE.onnxDir, BASE.fileName), sliced: await slicedRunner(BASE) };
  chat = { reference: await ModelRunner.open('node', CHAT.onnxDir, CHAT.fileName), sliced: await slicedRunner(CHAT) };
  prompt = promptIds(CHAT);
  greedyAnswer = await decode(chat.reference, prompt, GREEDY);
});
afterAll(async () => {
  for (const runner of [base.reference, base.sliced, chat.reference, chat.sliced]) await runner.release();
});

describe('teacher forcing on the forged base and chat models', () => {
  it('reads the same prompt ids with either model\'s tokenizer and template', () => {
    expect(promptIds(BASE)).toEqual(prompt);
  });

  it('scores the chat model\'s greedy answer on the base model exactly as the reference does', async () => {
    const model = new SlicedModel(base.sliced, { prompt: 7, rows: 5 });
    const engine = await scoreAnswer(model, prompt, greedyAnswer);
    const reference = await referenceScores(base.reference, prompt, greedyAnswer, 1e-4);
    expectSame(engine, reference);
    // The prompt ran with one logits row per step, the answer with at most a chunk's rows.
    const answerSteps = model.steps.filter((s) => s.rows > 1);
    expect(model.steps.filter((s) => s.rows === 1).reduce((n, s) => n + s.tokens, 0)).toBe(prompt.length - 1);
    expect(Math.max(...answerSteps.map((s) => s.rows))).toBe(5);
    expect(model.steps.reduce((n, s) => n + s.tokens, 0)).toBe(prompt.length + greedyAnswer.length - 1);
    console.log(`base model on the chat model's greedy answer: ranks ${engine.map((s) => s.rank).join(' ')}; ${JSON.stringify(summarize(engine.map((s) => s.rank)).percent)}`);
  });

  it('ranks every token of a greedy answer first on the model that wrote it', async () => {
    const engine = await scoreAnswer(new SlicedModel(chat.sliced, { prompt: 64, rows: 110 }), prompt, greedyAnswer);
    expect(engine.every((s, i) => s.rank === 1 && s.top[0]!.id === greedyAnswer[i])).toBe(true);
    expectSame(engine, await referenceScores(chat.reference, prompt, greedyAnswer, 1e-4));
  });

  it('matches the reference on a sampled answer with all three categories, after a reused prefix', async () => {
    const sampled = await decode(chat.reference, prompt, { ...GREEDY, temperature: 1, top_k: 6, seed: 11 });
    const model = new SlicedModel(chat.sliced, { prompt: 4, rows: 3 });
    await model.step(prompt.slice(0, 9), 1); // as a KV cache holding the prompt's first tokens
    const engine = await scoreAnswer(model, prompt, sampled);
    expectSame(engine, await referenceScores(chat.reference, prompt, sampled, 1e-4));
    const { counts } = summarize(engine.map((s) => s.rank));
    expect(counts.unshifted > 0 && counts.marginal > 0 && counts.shifted > 0, JSON.stringify(counts)).toBe(true);
  });

  it('refuses a cache that runs past the first scored position, and an empty answer', async () => {
    const model = new SlicedModel(chat.sliced, { prompt: 64, rows: 8 });
    await model.step(prompt, 1);
    await expect(scoreAnswer(model, prompt, greedyAnswer)).rejects.toThrow(RangeError);
    await expect(scoreAnswer(new SlicedModel(chat.sliced, { prompt: 64, rows: 8 }), prompt, [])).rejects.toThrow(RangeError);
  });

  it('stops between chunks when aborted', async () => {
    let checks = 0;
    const model = new SlicedModel(chat.sliced, { prompt: 8, rows: 4 });
    await expect(scoreAnswer(model, prompt, greedyAnswer, () => ++checks > 3)).rejects.toMatchObject({ code: 'aborted' });
    expect(model.steps.length).toBe(3);
  });
});
