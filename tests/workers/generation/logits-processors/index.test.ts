// Shown: buildLogitsProcessors applies penalties before temperature and leaves out neutral knobs.
import { describe, expect, it } from 'vitest';
import { buildLogitsProcessors } from '../../../../workers/generation/logits-processors/index.ts';
import { PresenceFrequencyPenalty } from '../../../../workers/generation/logits-processors/presence-frequency-penalty.ts';
import { RepetitionPenalty } from '../../../../workers/generation/logits-processors/repetition-penalty.ts';
import { Temperature } from '../../../../workers/generation/logits-processors/temperature.ts';
import { GREEDY } from '../../../../workers/generation/sampling-params.ts';

describe('buildLogitsProcessors', () => {
  it('builds nothing for neutral settings, greedy or temperature 1', () => {
    expect(buildLogitsProcessors(GREEDY)).toEqual([]);
    expect(buildLogitsProcessors({ ...GREEDY, temperature: 1, top_k: 20, top_p: 0.8, min_p: 0.1 })).toEqual([]);
  });

  it('orders repetition penalty, presence/frequency penalty, then temperature', () => {
    const processors = buildLogitsProcessors({
      ...GREEDY,
      temperature: 0.7,
      repetition_penalty: 1.05,
      frequency_penalty: 0.1,
    });
    expect(processors.map((p) => p.constructor)).toEqual([RepetitionPenalty, PresenceFrequencyPenalty, Temperature]);
    expect(buildLogitsProcessors({ ...GREEDY, presence_penalty: -0.5 })[0]).toBeInstanceOf(PresenceFrequencyPenalty);
  });

  it('applies the penalties to the raw logits, before temperature', () => {
    const logits = new Float32Array([4, 4]);
    const context = { promptTokens: [], generatedTokens: [0] };
    const params = { ...GREEDY, temperature: 0.5, repetition_penalty: 2, presence_penalty: 1 };
    for (const processor of buildLogitsProcessors(params)) processor.apply(logits, context);
    expect(Array.from(logits)).toEqual([(4 / 2 - 1) / 0.5, 4 / 0.5]);
  });
});
