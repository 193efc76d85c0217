// A logits row's rank, probability and top candidates, on hand-made rows.
import { describe, expect, it } from 'vitest';
import { rowLogprobs, scoreRow } from '../../../workers/engine/token-rank.ts';

describe('scoreRow', () => {
  it('ranks the target as 1 + the number of strictly greater logits', () => {
    const row = Float32Array.of(0.5, 3, -1, 2, 3, 1);
    expect(scoreRow(row, 1).rank).toBe(1);
    expect(scoreRow(row, 4).rank).toBe(1); // tied with id 1: ties share the better rank
    expect(scoreRow(row, 3).rank).toBe(3);
    expect(scoreRow(row, 0).rank).toBe(5);
    expect(scoreRow(row, 2).rank).toBe(6);
  });

  it('gives softmax probabilities at temperature 1, stable for large logits', () => {
    const row = Float32Array.of(1000, 1000 + Math.log(3));
    const score = scoreRow(row, 0);
    // float32 holds 1000 + ln 3 to within 6e-5 of it
    expect(score.probability).toBeCloseTo(0.25, 4);
    expect(score.top.map((c) => c.id)).toEqual([1, 0]);
    expect(score.top[0]!.probability).toBeCloseTo(0.75, 4);
  });

  it('keeps the five best, best first, the lower id first among equal logits', () => {
    const row = Float32Array.of(1, 5, 2, 5, 4, 0, 4, 3, 5);
    const { top } = scoreRow(row, 5);
    expect(top.map((c) => c.id)).toEqual([1, 3, 8, 4, 6]);
    expect(top.reduce((sum, c) => sum + c.probability, 0)).toBeLessThan(1);
    expect(scoreRow(row, 0, 2).top.map((c) => c.id)).toEqual([1, 3]);
  });

  it('refuses a token outside the row', () => {
    expect(() => scoreRow(Float32Array.of(1, 2), 2)).toThrow(RangeError);
    expect(() => scoreRow(Float32Array.of(1, 2), -1)).toThrow(RangeError);
  });
});

describe('rowLogprobs', () => {
  it('is log-softmax at temperature 1, for the target and as many top entries as asked (none for 0)', () => {
    const row = Float32Array.of(0, Math.log(3), 0);
    const read = rowLogprobs(row, 0, 2);
    expect(read.logprob).toBeCloseTo(Math.log(1 / 5), 6);
    expect(read.top.map((c) => c.id)).toEqual([1, 0]);
    expect(read.top[0]!.logprob).toBeCloseTo(Math.log(3 / 5), 6);
    expect(rowLogprobs(row, 2, 0)).toEqual({ rank: 2, logprob: read.logprob, top: [] });
    expect(rowLogprobs(row, 2, 20).top).toHaveLength(3);
  });
});
