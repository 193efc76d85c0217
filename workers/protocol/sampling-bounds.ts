// The one range table for the sampling knobs: the API validation, the engine's check and the
// settings inputs all read it, so the three can't drift. top_p 0 is allowed, as in OpenAI's
// API: the nucleus then keeps only the most likely token (greedy-equivalent).

export interface SamplingBound {
  min: number;
  max: number;
  integer: boolean;
  /** The value must be above `min`, not equal to it. */
  minExclusive?: true;
}

export const SAMPLING_BOUNDS = {
  temperature: { min: 0, max: 2, integer: false },
  top_p: { min: 0, max: 1, integer: false },
  top_k: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  min_p: { min: 0, max: 1, integer: false },
  repetition_penalty: { min: 0, minExclusive: true, max: Number.MAX_VALUE, integer: false },
  presence_penalty: { min: -2, max: 2, integer: false },
  frequency_penalty: { min: -2, max: 2, integer: false },
  seed: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
} as const satisfies Record<string, SamplingBound>;

export type SamplingField = keyof typeof SAMPLING_BOUNDS;

/** max_tokens is not a sampling knob, but the API, the import and the settings share its range too. */
export const MAX_TOKENS_BOUND: SamplingBound = { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true };

export type BoundProblem = 'type' | 'integer' | 'below_min' | 'above_max';

/** What is wrong with `value` for `bound`, or null when it is in range. */
export function checkBound(bound: SamplingBound, value: unknown): BoundProblem | null {
  if (typeof value !== 'number' || Number.isNaN(value)) return 'type';
  if (bound.integer && !Number.isInteger(value)) return 'integer';
  if (value > bound.max) return 'above_max';
  if (bound.minExclusive ? value <= bound.min : value < bound.min) return 'below_min';
  return null;
}

/** The range in words, e.g. "a number from 0 to 1" or "an integer >= 0". */
export function describeBound(field: SamplingField): string {
  const bound: SamplingBound = SAMPLING_BOUNDS[field];
  const kind = bound.integer ? 'an integer' : 'a number';
  const open = bound.max >= Number.MAX_SAFE_INTEGER;
  if (bound.minExclusive) return `${kind} above ${bound.min}${open ? '' : ` and at most ${bound.max}`}`;
  if (bound.min <= Number.MIN_SAFE_INTEGER && open) return `a safe integer`;
  return open ? `${kind} >= ${bound.min}` : `${kind} from ${bound.min} to ${bound.max}`;
}
