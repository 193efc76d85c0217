// One table of sampling ranges: the API and the engine accept exactly the same values, and an
// API refusal names the field (top_p 0 used to pass the API and then fail in the engine).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../workers/protocol/openai/api-error.ts';
import { validateChatRequest } from '../../src/lib/api/validate.ts';
import { SAMPLING_BOUNDS, samplingProblems, type SamplingField } from '../../workers/protocol/sampling-rules.ts';

function apiRefusal(field: SamplingField, value: number): string | null {
  try {
    validateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], [field]: value });
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return String(error.body.error.param);
  }
}

const PROBES = [-3, -2.5, -2, -1, -0.1, 0, 0.01, 0.5, 1, 1.5, 2, 2.01, 3, 0.5e9, Infinity, NaN];

describe('SAMPLING_BOUNDS', () => {
  for (const field of Object.keys(SAMPLING_BOUNDS) as SamplingField[]) {
    it(`${field}: the API accepts a value exactly when the engine does, and names the field when not`, () => {
      for (const value of PROBES) {
        // vLLM's top_k -1 ("off") is a wire alias the API maps to the engine's 0.
        if (field === 'top_k' && value === -1) continue;
        const engineAccepts = samplingProblems({ [field]: value }).length === 0;
        expect(apiRefusal(field, value), `${field} = ${value}`).toBe(engineAccepts ? null : field);
      }
    });
  }

  it('accepts top_p 0 everywhere, as OpenAI does', () => {
    expect(apiRefusal('top_p', 0)).toBeNull();
    expect(samplingProblems({ top_p: 0 })).toEqual([]);
  });
});
