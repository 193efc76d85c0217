// Shown: presence and frequency penalties follow OpenAI's formula over generated tokens only.
import { describe, expect, it } from 'vitest';
import { PresenceFrequencyPenalty } from '../../../../workers/generation/logits-processors/presence-frequency-penalty.ts';

describe('PresenceFrequencyPenalty', () => {
  it('subtracts presence once and frequency per occurrence, ignoring the prompt', () => {
    const logits = new Float32Array([1, 1, 1, 1]);
    const context = { promptTokens: [0, 0, 0], generatedTokens: [1, 2, 2, 2] };
    new PresenceFrequencyPenalty(0.5, 0.25).apply(logits, context);
    // token 1: 1 - 0.5 - 0.25 * 1; token 2: 1 - 0.5 - 0.25 * 3
    expect(Array.from(logits)).toEqual([1, 0.25, -0.25, 1]);
  });

  it('raises repeated tokens when the penalties are negative', () => {
    const logits = new Float32Array([0, 0]);
    new PresenceFrequencyPenalty(-1, -0.5).apply(logits, { promptTokens: [], generatedTokens: [1, 1] });
    expect(Array.from(logits)).toEqual([0, 2]);
  });

  it('counts afresh each step and ignores ids outside the vocabulary', () => {
    const penalty = new PresenceFrequencyPenalty(0, 1);
    const first = new Float32Array([0, 0]);
    penalty.apply(first, { promptTokens: [], generatedTokens: [0, 0, 9, -1] });
    expect(Array.from(first)).toEqual([-2, 0]);
    const second = new Float32Array([0, 0]);
    penalty.apply(second, { promptTokens: [], generatedTokens: [1] });
    expect(Array.from(second)).toEqual([0, -1]);
  });
});
