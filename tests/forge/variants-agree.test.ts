// Shown: the optimum and gqa graphs, two independent constructions from the same seed,
// compute the same function; and fp32, q4 and q4f16 files of one variant do too (the
// weights are forged on the 4-bit grid, so only arithmetic precision differs).
import { describe, expect, it } from 'vitest';
import { fixture, type FixtureSpec } from '../../scripts/forge/fixture-set.ts';
import { fixtureModel, tolerance } from '../helpers/fixtures.ts';
import { figureTable } from '../helpers/figures.ts';
import { ModelRunner, PROMPT_IDS, relativeError } from '../helpers/model-runner.ts';

const record = figureTable('Same function: max relative logit error over all prompt positions');

async function logitsOf(spec: FixtureSpec): Promise<Float32Array> {
  const model = fixtureModel(spec);
  const runner = await ModelRunner.open('node', model.onnxDir, model.fileName);
  try {
    return (await runner.forward(PROMPT_IDS)).logits;
  } finally {
    await runner.release();
  }
}

async function greedyOf(spec: FixtureSpec): Promise<number[]> {
  const model = fixtureModel(spec);
  const runner = await ModelRunner.open('node', model.onnxDir, model.fileName);
  try {
    return await runner.greedy(PROMPT_IDS, 12);
  } finally {
    await runner.release();
  }
}

describe('optimum and gqa graphs from the same seed', () => {
  it.each(['fp32', 'q4', 'q4f16'])('%s: same logits at every position', async (dtype) => {
    const optimum = fixture(`optimum-${dtype}`);
    const gqa = fixture(`gqa-${dtype}`);
    const error = relativeError(await logitsOf(gqa), await logitsOf(optimum));
    record(`gqa-${dtype} vs optimum-${dtype}`, error);
    expect(error).toBeLessThan(tolerance(optimum));
  });

  it('same greedy continuation', async () => {
    expect(await greedyOf(fixture('gqa-q4'))).toEqual(await greedyOf(fixture('optimum-q4')));
  });
});

describe('dtypes of one variant', () => {
  it.each([
    ['optimum-q4', 'optimum-fp32'],
    ['optimum-q4f16', 'optimum-fp32'],
    ['optimum-q4f16-kv32', 'optimum-q4f16'],
    ['optimum-q4-external', 'optimum-q4'],
  ])('%s computes what %s does', async (a, b) => {
    const tol = Math.max(tolerance(fixture(a)), tolerance(fixture(b)));
    const error = relativeError(await logitsOf(fixture(a)), await logitsOf(fixture(b)));
    record(`${a} vs ${b}`, error);
    expect(error).toBeLessThan(tol);
  });

  it('a different seed gives a different model', async () => {
    expect(relativeError(await logitsOf(fixture('base-optimum-q4')), await logitsOf(fixture('optimum-q4')))).toBeGreaterThan(0.1);
  });
});
