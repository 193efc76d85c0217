// Shown: GREEDY is neutral, validation names every out-of-range field, and samplingDefaults
// reads a generation_config.json the way transformers does (do_sample decides greedy).
import { describe, expect, it } from 'vitest';
import { GREEDY, samplingDefaults } from '../../../workers/generation/sampling-params.ts';
import { samplingProblems } from '../../../workers/protocol/sampling-rules.ts';

describe('GREEDY', () => {
  it('is temperature 0 with every other knob off', () => {
    expect(GREEDY).toEqual({
      temperature: 0,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      repetition_penalty: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
    });
    expect(samplingProblems(GREEDY)).toEqual([]);
  });
});

describe('samplingProblems', () => {
  it('accepts the edges of every range and an empty object', () => {
    expect(samplingProblems({})).toEqual([]);
    expect(
      samplingProblems({
        temperature: 2,
        top_k: 151_936,
        top_p: 0,
        min_p: 1,
        repetition_penalty: 0.01,
        presence_penalty: -2,
        frequency_penalty: 2,
        seed: -(2 ** 53 - 1),
      }),
    ).toEqual([]);
  });

  it.each([
    ['temperature', -0.1],
    ['temperature', 2.01],
    ['top_k', -1],
    ['top_k', 2.5],
    ['top_p', -0.1],
    ['top_p', 1.1],
    ['min_p', -0.1],
    ['min_p', 1.5],
    ['repetition_penalty', 0],
    ['repetition_penalty', Infinity],
    ['presence_penalty', -2.5],
    ['frequency_penalty', 3],
    ['seed', 0.5],
    ['seed', 2 ** 53],
    ['temperature', NaN],
  ] as const)('rejects %s = %s with a sentence naming it', (key, value) => {
    const problems = samplingProblems({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key} must be .+ \\(got ${String(value)}\\)$`));
  });

  it('rejects values of the wrong type that slipped past the wire types', () => {
    expect(samplingProblems({ top_p: '0.9' as unknown as number })).toEqual([
      'top_p must be a number from 0 to 1 (got 0.9)',
    ]);
  });

  it('lists every problem, not just the first', () => {
    expect(samplingProblems({ temperature: 3, top_p: -1, seed: 1.5 })).toHaveLength(3);
  });
});

describe('samplingDefaults', () => {
  it("reads Qwen2.5-Instruct's generation_config.json", () => {
    const config = {
      bos_token_id: 151643,
      pad_token_id: 151643,
      do_sample: true,
      eos_token_id: [151645, 151643],
      repetition_penalty: 1.05,
      temperature: 0.7,
      top_p: 0.8,
      top_k: 20,
      transformers_version: '4.37.0',
    };
    expect(samplingDefaults(config)).toEqual({ ...GREEDY, temperature: 0.7, top_p: 0.8, top_k: 20, repetition_penalty: 1.05 });
  });

  it('is greedy, keeping the repetition penalty, when do_sample is false or absent', () => {
    expect(samplingDefaults({ do_sample: false, temperature: 0.7, repetition_penalty: 1.1 })).toEqual({
      ...GREEDY,
      repetition_penalty: 1.1,
    });
    expect(samplingDefaults({ temperature: 0.7 })).toEqual(GREEDY);
  });

  it('falls back to neutral values for missing or out-of-range fields', () => {
    expect(samplingDefaults({ do_sample: true })).toEqual({ ...GREEDY, temperature: 1 });
    expect(samplingDefaults({ do_sample: true, temperature: 5, top_k: '20', top_p: 1.5, min_p: 0.05 })).toEqual({
      ...GREEDY,
      temperature: 1,
      min_p: 0.05,
    });
  });
});
