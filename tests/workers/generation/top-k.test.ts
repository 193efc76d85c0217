// Shown: selectTopK returns exactly the k best ids (lowest ids on ties), skipping -Infinity and
// NaN, and agrees with a full sort on random logits for many k.
import { describe, expect, it } from 'vitest';
import { Random } from '../../../workers/generation/random.ts';
import { selectTopK } from '../../../workers/generation/top-k.ts';

function topK(logits: Float32Array, k: number): number[] {
  const into = new Int32Array(logits.length);
  const found = selectTopK(logits, k, into);
  return Array.from(into.subarray(0, found)).sort((a, b) => a - b);
}

function bySort(logits: Float32Array, k: number): number[] {
  const ids = Array.from(logits.keys()).filter((id) => logits[id]! > -Infinity);
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  return ids.slice(0, k).sort((a, b) => a - b);
}

describe('selectTopK', () => {
  it('picks the k highest logits', () => {
    expect(topK(new Float32Array([0.1, 5, -3, 4, 2, 4.5]), 3)).toEqual([1, 3, 5]);
  });

  it('keeps the lowest ids among ties at the boundary', () => {
    expect(topK(new Float32Array([1, 2, 1, 1, 2, 1]), 3)).toEqual([0, 1, 4]);
  });

  it('skips -Infinity and NaN, returning fewer than k when they run out', () => {
    expect(topK(new Float32Array([-Infinity, 3, NaN, 1, -Infinity]), 4)).toEqual([1, 3]);
  });

  it('agrees with a full sort on random logits, ascending and descending runs included', () => {
    const random = new Random(3);
    const noise = Float32Array.from({ length: 5000 }, () => Math.round(random.next() * 400) / 10);
    const ascending = Float32Array.from({ length: 5000 }, (_, id) => id);
    const descending = Float32Array.from({ length: 5000 }, (_, id) => -id);
    for (const logits of [noise, ascending, descending]) {
      for (const k of [1, 2, 20, 50, 1000, 4999, 5000, 6000]) expect(topK(logits, k)).toEqual(bySort(logits, k));
    }
  });
});
