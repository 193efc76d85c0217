// Shown: StoppingCriteria reports 'stop' on an end-of-sequence token, 'length' at the budget and
// 'abort' once the flag is up, in that order of precedence, and null otherwise.
import { describe, expect, it } from 'vitest';
import { StoppingCriteria } from '../../../workers/generation/stopping.ts';

describe('StoppingCriteria', () => {
  it('stops on any end-of-sequence id', () => {
    const stopping = new StoppingCriteria({ eosTokenIds: new Set([151645, 151643]), maxNewTokens: 10 });
    expect(stopping.check([1, 2])).toBeNull();
    expect(stopping.check([1, 151643])).toBe('stop');
    expect(stopping.check([151645])).toBe('stop');
  });

  it('reports length when the budget is used up', () => {
    const stopping = new StoppingCriteria({ eosTokenIds: [9], maxNewTokens: 3 });
    expect(stopping.check([1, 2])).toBeNull();
    expect(stopping.check([1, 2, 3])).toBe('length');
    expect(stopping.check([1, 2, 9])).toBe('stop');
  });

  it('reports abort once the flag is up, after natural ends', () => {
    let aborted = false;
    const stopping = new StoppingCriteria({ eosTokenIds: [9], maxNewTokens: 2, isAborted: () => aborted });
    expect(stopping.check([1])).toBeNull();
    aborted = true;
    expect(stopping.check([1])).toBe('abort');
    expect(stopping.check([9])).toBe('stop');
    expect(stopping.check([1, 1])).toBe('length');
  });

  it('rejects a budget below one token', () => {
    for (const maxNewTokens of [0, -1, 1.5, NaN]) {
      expect(() => new StoppingCriteria({ eosTokenIds: [], maxNewTokens })).toThrow(RangeError);
    }
  });
});
