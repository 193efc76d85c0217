// Shown: temperature divides every logit; it refuses 0, which is the sampler's greedy path.
import { describe, expect, it } from 'vitest';
import { Temperature } from '../../../../workers/generation/logits-processors/temperature.ts';

describe('Temperature', () => {
  it('sharpens below 1 and flattens above 1', () => {
    const cold = new Float32Array([1, 2, -4, -Infinity]);
    new Temperature(0.5).apply(cold);
    expect(Array.from(cold)).toEqual([2, 4, -8, -Infinity]);
    const hot = new Float32Array([1, 2, -4]);
    new Temperature(2).apply(hot);
    expect(Array.from(hot)).toEqual([0.5, 1, -2]);
  });

  it('refuses temperature 0', () => {
    expect(() => new Temperature(0)).toThrow(RangeError);
  });
});
