// Shown: the repetition penalty follows transformers: each distinct token of prompt + output is
// penalised once, positive logits divided and negative ones multiplied.
import { describe, expect, it } from 'vitest';
import { RepetitionPenalty } from '../../../../workers/generation/logits-processors/repetition-penalty.ts';

describe('RepetitionPenalty', () => {
  it('divides positive and multiplies negative logits of seen tokens, once each', () => {
    const logits = new Float32Array([2, -2, 1, 0, 3, -1]);
    new RepetitionPenalty(2).apply(logits, { promptTokens: [0, 1, 0, 0], generatedTokens: [3, 1, 5] });
    expect(Array.from(logits)).toEqual([1, -4, 1, 0, 3, -2]);
  });

  it('rewards seen tokens when the penalty is below 1', () => {
    const logits = new Float32Array([2, -2, 1]);
    new RepetitionPenalty(0.5).apply(logits, { promptTokens: [], generatedTokens: [0, 1] });
    expect(Array.from(logits)).toEqual([4, -1, 1]);
  });

  it('starts each step afresh and ignores ids outside the vocabulary', () => {
    const penalty = new RepetitionPenalty(2);
    const first = new Float32Array([4, 4, 4]);
    penalty.apply(first, { promptTokens: [0, 7, -1], generatedTokens: [] });
    expect(Array.from(first)).toEqual([2, 4, 4]);
    const second = new Float32Array([4, 4, 4]);
    penalty.apply(second, { promptTokens: [0], generatedTokens: [2] });
    expect(Array.from(second)).toEqual([2, 4, 2]);
  });

  it('rejects a penalty that is not above 0', () => {
    expect(() => new RepetitionPenalty(0)).toThrow(RangeError);
  });
});
