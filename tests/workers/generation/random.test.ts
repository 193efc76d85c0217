// Shown: Random is reproducible per seed, distinct across seeds, uniform enough, and rejects a
// seed it could not honour.
import { describe, expect, it } from 'vitest';
import { Random } from '../../../workers/generation/random.ts';

const draws = (random: Random, count: number): number[] => Array.from({ length: count }, () => random.next());

describe('Random', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draws(new Random(42), 100)).toEqual(draws(new Random(42), 100));
  });

  it('gives different sequences for different seeds, including seeds that share their low 32 bits', () => {
    const seeds = [0, 1, 2, -1, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const firsts = seeds.map((seed) => draws(new Random(seed), 4).join());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('seeds itself from crypto when no seed is given', () => {
    expect(draws(new Random(), 4)).not.toEqual(draws(new Random(), 4));
  });

  it('stays in [0, 1) and fills ten equal bins evenly', () => {
    const random = new Random(7);
    const bins = new Array<number>(10).fill(0);
    const count = 100_000;
    let outside = 0;
    for (let i = 0; i < count; i++) {
      const x = random.next();
      if (!(x >= 0 && x < 1)) outside++;
      else bins[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const bin of bins) expect(Math.abs(bin - count / 10)).toBeLessThan(500); // ~5 sigma
  });

  it('rejects seeds that are not safe integers', () => {
    for (const seed of [1.5, NaN, Infinity, 2 ** 53]) expect(() => new Random(seed)).toThrow(RangeError);
  });
});
