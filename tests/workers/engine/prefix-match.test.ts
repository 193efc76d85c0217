import { describe, expect, it } from 'vitest';
import { reusablePrefix } from '../../../workers/engine/prefix-match.ts';

describe('reusablePrefix', () => {
  it('reuses the whole cache when the prompt extends it', () => {
    expect(reusablePrefix([1, 2, 3], [1, 2, 3, 4, 5])).toBe(3);
  });

  it('stops at the first differing token (an edit or a regenerate)', () => {
    expect(reusablePrefix([1, 2, 3, 4], [1, 2, 9, 4, 5])).toBe(2);
    expect(reusablePrefix([7, 2, 3], [1, 2, 3, 4])).toBe(0);
  });

  it('leaves at least one prompt token to run, even for an identical or shorter prompt', () => {
    expect(reusablePrefix([1, 2, 3], [1, 2, 3])).toBe(2);
    expect(reusablePrefix([1, 2, 3, 4, 5], [1, 2, 3])).toBe(2);
    expect(reusablePrefix([1], [1])).toBe(0);
  });

  it('reuses nothing from an empty cache', () => {
    expect(reusablePrefix([], [1, 2])).toBe(0);
  });
});
