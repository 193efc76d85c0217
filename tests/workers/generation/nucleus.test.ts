// Shown: keepNucleus keeps the shortest run of heaviest candidates reaching the target (ties:
// lower id first), both on hand-made weights and, against a full sort, on large random, flat
// and tied inputs where the quickselect rounds do the work.
import { describe, expect, it } from 'vitest';
import { keepNucleus } from '../../../workers/generation/nucleus.ts';
import { Random } from '../../../workers/generation/random.ts';

function nucleus(weights: readonly number[], target: number): number[] {
  const ids = Int32Array.from(weights.keys());
  const scratch = Float64Array.from(weights);
  const kept = keepNucleus(ids, scratch, weights.length, target);
  for (let at = 0; at < kept; at++) expect(scratch[at]).toBe(weights[ids[at]!]); // pairs stay paired
  return Array.from(ids.subarray(0, kept)).sort((a, b) => a - b);
}

function bySort(weights: readonly number[], target: number): number[] {
  const ids = Array.from(weights.keys()).sort((a, b) => weights[b]! - weights[a]! || a - b);
  let sum = 0;
  const kept: number[] = [];
  for (const id of ids) {
    kept.push(id);
    sum += weights[id]!;
    if (sum >= target) break;
  }
  return kept.sort((a, b) => a - b);
}

describe('keepNucleus', () => {
  it('stops at the first weight that reaches the target', () => {
    const weights = [0.15, 0.05, 0.5, 0.3];
    expect(nucleus(weights, 0.4)).toEqual([2]);
    expect(nucleus(weights, 0.7)).toEqual([2, 3]);
    expect(nucleus(weights, 0.8)).toEqual([2, 3]);
    expect(nucleus(weights, 0.85)).toEqual([0, 2, 3]);
  });

  it('keeps everything when the total falls short, nothing when there is nothing', () => {
    expect(nucleus([0.2, 0.1], 1)).toEqual([0, 1]);
    expect(nucleus([], 1)).toEqual([]);
  });

  it('breaks ties by lower id', () => {
    expect(nucleus([1, 2, 1, 1, 2], 3.5)).toEqual([1, 4]);
    expect(nucleus([1, 2, 1, 1, 2], 4.5)).toEqual([0, 1, 4]);
  });

  it('agrees with a full sort on large random, flat and tied inputs', () => {
    const random = new Random(11);
    const size = 20_000;
    const inputs = [
      Array.from({ length: size }, () => Math.exp(8 * (random.next() - 1))),
      Array.from({ length: size }, () => 1 + random.next() * 1e-3),
      Array.from({ length: size }, () => Math.ceil(random.next() * 4)),
      Array.from({ length: size }, () => 1),
      Array.from({ length: size }, (_, id) => id + 1),
    ];
    for (const weights of inputs) {
      const total = weights.reduce((a, b) => a + b, 0);
      for (const share of [0.01, 0.3, 0.8, 0.95, 0.999]) {
        expect(nucleus(weights, share * total)).toEqual(bySort(weights, share * total));
      }
    }
  });
});
