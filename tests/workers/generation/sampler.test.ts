// Shown: greedy picks the argmax; temperature, top-k, top-p and min-p keep exactly the tokens
// transformers would, in its order, and draw them in proportion; a seed reproduces a run; and
// one step over Qwen2.5's 151,936 logits takes a few milliseconds (medians printed at the end).
import { describe, expect, it } from 'vitest';
import type { TokenContext } from '../../../workers/generation/logits-processors/index.ts';
import { Random } from '../../../workers/generation/random.ts';
import { argmax, createSampler } from '../../../workers/generation/sampler.ts';
import { GREEDY } from '../../../workers/generation/sampling-params.ts';
import type { SamplingParams } from '../../../workers/protocol/sampling-rules.ts';
import { figureTable } from '../../helpers/figures.ts';

const VOCAB = 151_936;
const NO_HISTORY: TokenContext = { promptTokens: [], generatedTokens: [] };

const logitsOf = (probabilities: readonly number[]): Float32Array => Float32Array.from(probabilities, Math.log);

/** Share of each token id over `draws` seeded draws (fresh logits each time: sampling rewrites them). */
function shares(params: Partial<SamplingParams>, logits: Float32Array, draws = 20_000): number[] {
  const sampler = createSampler({ ...GREEDY, temperature: 1, ...params, seed: 1 });
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.sample(logits.slice(), NO_HISTORY)]!++;
  return counts.map((count) => count / draws);
}

function expectShares(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  // 20,000 draws: one standard deviation is at most 0.0036.
  actual.forEach((share, id) => expect(Math.abs(share - expected[id]!), `token ${id}`).toBeLessThan(0.015));
}

function randomLogits(random: Random, size: number, spread: number): Float32Array {
  return Float32Array.from({ length: size }, () => {
    const gaussian = Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
    return gaussian * spread;
  });
}

describe('greedy (temperature 0)', () => {
  it('picks the highest logit, the lowest id on ties', () => {
    const sampler = createSampler(GREEDY);
    expect(sampler.sample(new Float32Array([0.1, 3, -1, 2.9]), NO_HISTORY)).toBe(1);
    expect(sampler.sample(new Float32Array([1, 5, 5, -Infinity, NaN]), NO_HISTORY)).toBe(1);
    expect(argmax(new Float32Array([-Infinity, -Infinity, -5]))).toBe(2);
  });

  it('applies the penalties before choosing', () => {
    const sampler = createSampler({ ...GREEDY, repetition_penalty: 2 });
    expect(sampler.sample(new Float32Array([3, 2]), { promptTokens: [0], generatedTokens: [] })).toBe(1);
  });

  it('throws when no token is possible', () => {
    expect(() => createSampler(GREEDY).sample(new Float32Array([-Infinity, NaN]), NO_HISTORY)).toThrow(/no token/);
    expect(() => createSampler({ ...GREEDY, temperature: 1 }).sample(new Float32Array([-Infinity]), NO_HISTORY)).toThrow(
      /no token/,
    );
  });
});

describe('createSampler', () => {
  it('rewrites the logits in place, as documented', () => {
    const logits = new Float32Array([1, 2]);
    createSampler({ ...GREEDY, temperature: 0.5, seed: 1 }).sample(logits, NO_HISTORY);
    expect(Array.from(logits)).toEqual([2, 4]);
  });
});

describe('temperature', () => {
  const logits = new Float32Array([0, 1, 2]);
  const softmax = (temperature: number): number[] => {
    const weights = Array.from(logits, (logit) => Math.exp(logit / temperature));
    const total = weights.reduce((a, b) => a + b);
    return weights.map((w) => w / total);
  };

  it.each([0.5, 1, 2])('draws in proportion to softmax(logits / %s)', (temperature) => {
    expectShares(shares({ temperature }, logits), softmax(temperature));
  });

  it('sharpens below 1 and flattens above 1', () => {
    const top = [0.5, 1, 2].map((temperature) => shares({ temperature }, logits)[2]!);
    expect(top[0]).toBeGreaterThan(top[1]! + 0.2);
    expect(top[1]).toBeGreaterThan(top[2]! + 0.1);
  });

  it('always draws a +Infinity logit (an fp16 overflow) over finite ones', () => {
    expectShares(shares({}, new Float32Array([5, Infinity, 1]), 1000), [0, 1, 0]);
  });
});

describe('top-k', () => {
  it('never draws outside the k best and draws each of them', () => {
    const logits = randomLogits(new Random(5), 1000, 1);
    const best = Array.from(logits.keys())
      .sort((a, b) => logits[b]! - logits[a]!)
      .slice(0, 5);
    const drawn = shares({ top_k: 5 }, logits, 5000);
    drawn.forEach((share, id) => expect(share > 0, `token ${id}`).toBe(best.includes(id)));
  });

  it('renormalises over the k kept', () => {
    expectShares(shares({ top_k: 2 }, logitsOf([0.1, 0.4, 0.3, 0.2])), [0, 4 / 7, 3 / 7, 0]);
  });
});

describe('top-p', () => {
  // Probabilities 0.5, 0.3, 0.15, 0.05, shuffled so ids do not follow rank.
  const logits = logitsOf([0.15, 0.05, 0.5, 0.3]);

  it('top_p 0 (accepted, as by OpenAI) keeps only the most likely token, with or without top-k', () => {
    expectShares(shares({ top_p: 0 }, logits), [0, 0, 1, 0]);
    expectShares(shares({ top_p: 0, top_k: 3 }, logits), [0, 0, 1, 0]);
    const wide = randomLogits(new Random(7), VOCAB, 4);
    const sampler = createSampler({ ...GREEDY, temperature: 1, top_p: 0, seed: 3 });
    for (let i = 0; i < 5; i++) expect(sampler.sample(wide.slice(), NO_HISTORY)).toBe(argmax(wide));
  });

  it('keeps the smallest set reaching top_p and renormalises over it', () => {
    expectShares(shares({ top_p: 0.4 }, logits), [0, 0, 1, 0]); // 0.5 >= 0.4
    expectShares(shares({ top_p: 0.7 }, logits), [0, 0, 0.5 / 0.8, 0.3 / 0.8]); // 0.5 < 0.7 <= 0.8
    expectShares(shares({ top_p: 0.9 }, logits), [0.15 / 0.95, 0, 0.5 / 0.95, 0.3 / 0.95]); // 0.8 < 0.9 <= 0.95
    expectShares(shares({ top_p: 0.99 }, logits), [0.15, 0.05, 0.5, 0.3]);
  });

  it('measures top_p against the distribution top-k left, as transformers does', () => {
    const ranked = logitsOf([0.4, 0.3, 0.2, 0.1]);
    expectShares(shares({ top_p: 0.5 }, ranked), [4 / 7, 3 / 7, 0, 0]); // 0.4 < 0.5 <= 0.7
    expectShares(shares({ top_k: 2, top_p: 0.5 }, ranked), [1, 0, 0, 0]); // 4/7 >= 0.5
  });

  it('keeps exactly the nucleus on a full vocabulary of nearly flat logits', () => {
    const flat = Float32Array.from(randomLogits(new Random(9), VOCAB, 0.3));
    const weights = Array.from(flat, (logit) => Math.exp(logit));
    const total = weights.reduce((a, b) => a + b);
    const ranked = Array.from(flat.keys()).sort((a, b) => flat[b]! - flat[a]! || a - b);
    let sum = 0;
    const cut = ranked.findIndex((id) => (sum += weights[id]!) >= 0.5 * total);
    const sampler = createSampler({ ...GREEDY, temperature: 1, top_p: 0.5, seed: 2 });
    const inNucleus = new Set(ranked.slice(0, cut + 1));
    const edge = { highestOut: flat[ranked[cut + 1]!]!, lowestIn: flat[ranked[cut]!]! };
    expect(edge.lowestIn).toBeGreaterThan(edge.highestOut); // the cut is not between tied logits
    const drawn = Array.from({ length: 300 }, () => sampler.sample(flat.slice(), NO_HISTORY));
    expect(drawn.filter((id) => !inNucleus.has(id))).toEqual([]);
  });
});

describe('min-p', () => {
  const logits = logitsOf([0.15, 0.05, 0.5, 0.3]);

  it('drops tokens below min_p times the top probability', () => {
    expectShares(shares({ min_p: 0.25 }, logits), [0.15 / 0.95, 0, 0.5 / 0.95, 0.3 / 0.95]); // below 0.125
    expectShares(shares({ min_p: 0.5 }, logits), [0, 0, 0.5 / 0.8, 0.3 / 0.8]); // below 0.25
    expectShares(shares({ min_p: 0.5, top_k: 3 }, logits), [0, 0, 0.5 / 0.8, 0.3 / 0.8]);
  });

  it('intersects with top-p, which it cannot widen', () => {
    expectShares(shares({ min_p: 0.25, top_p: 0.7 }, logits), [0, 0, 0.5 / 0.8, 0.3 / 0.8]);
    expectShares(shares({ min_p: 0.5, top_p: 0.9 }, logits), [0, 0, 0.5 / 0.8, 0.3 / 0.8]);
  });
});

describe('seeding', () => {
  // A toy decode loop: each step's logits depend on the previous token, penalties on history.
  function run(seed: number, steps = 200): number[] {
    const sampler = createSampler({
      ...GREEDY,
      temperature: 0.8,
      top_k: 40,
      top_p: 0.95,
      repetition_penalty: 1.1,
      frequency_penalty: 0.2,
      seed,
    });
    const promptTokens = [1, 2, 3];
    const generatedTokens: number[] = [];
    let previous = 0;
    for (let step = 0; step < steps; step++) {
      const logits = randomLogits(new Random(previous), 500, 2);
      previous = sampler.sample(logits, { promptTokens, generatedTokens });
      generatedTokens.push(previous);
    }
    return generatedTokens;
  }

  it('repeats the same tokens for the same seed', () => {
    expect(run(5)).toEqual(run(5));
  });

  it('gives different tokens for different seeds', () => {
    expect(run(5)).not.toEqual(run(6));
  });

  it('draws from the Random it is given, ignoring params.seed', () => {
    const params = { ...GREEDY, temperature: 1, seed: 1 };
    const logits = new Float32Array(64);
    const draw = (random: Random): number[] => {
      const sampler = createSampler(params, random);
      return Array.from({ length: 20 }, () => sampler.sample(logits.slice(), NO_HISTORY));
    };
    expect(draw(new Random(7))).toEqual(draw(new Random(7)));
    expect(draw(new Random(7))).not.toEqual(draw(new Random(1)));
  });
});

describe('speed over 151,936 logits', () => {
  const record = figureTable('Sampler: median ms per step over 151,936 logits (51 steps)');
  const random = new Random(2024);
  const inputs = {
    // Spread ~3 gives LLM-like logits: a few dozen tokens carry most of the mass.
    peaked: randomLogits(random, VOCAB, 3),
    // Uniform in [0, 1): the worst case for top-p, whose nucleus is then ~88% of the vocabulary.
    flat: Float32Array.from({ length: VOCAB }, () => random.next()),
  };
  const history = {
    promptTokens: Array.from({ length: 2000 }, (_, i) => (i * 7919) % VOCAB),
    generatedTokens: Array.from({ length: 500 }, (_, i) => (i * 104_729) % VOCAB),
  };
  const configs: [string, Partial<SamplingParams>, TokenContext][] = [
    ['greedy', {}, NO_HISTORY],
    ['temperature 0.7, top_k 20, top_p 0.8', { temperature: 0.7, top_k: 20, top_p: 0.8 }, NO_HISTORY],
    ['temperature 1, top_p 0.9', { temperature: 1, top_p: 0.9 }, NO_HISTORY],
    ['Qwen defaults + rep. 1.05, 2,500-token history', { temperature: 0.7, top_k: 20, top_p: 0.8, repetition_penalty: 1.05 }, history],
  ];

  for (const [inputName, base] of Object.entries(inputs)) {
    it.each(configs)(`${inputName} logits, %s`, (name, params, context) => {
      const sampler = createSampler({ ...GREEDY, ...params, seed: 3 });
      const logits = new Float32Array(VOCAB);
      const timesMs: number[] = [];
      for (let step = 0; step < 56; step++) {
        logits.set(base);
        const started = performance.now();
        sampler.sample(logits, context);
        if (step >= 5) timesMs.push(performance.now() - started); // after JIT warm-up
      }
      const medianMs = timesMs.sort((a, b) => a - b)[timesMs.length >> 1]!;
      record(`${inputName}: ${name}`, medianMs);
      expect(medianMs).toBeLessThan(50);
    });
  }
});
