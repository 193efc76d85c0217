// The sampling knobs of a request, named as on the OpenAI wire, and the one table of their
// ranges: the /v1 validation, the engine's check (samplingProblems) and the settings inputs all
// read it, so they can't drift. top_k 0 and min_p 0 mean "off"; temperature 0 means greedy;
// top_p 0 is allowed, as in OpenAI's API: the nucleus then keeps only the most likely token.

export interface SamplingParams {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repetition_penalty: number;
  presence_penalty: number;
  frequency_penalty: number;
  seed?: number;
}

/** What a request may set; the model's defaults fill the rest. */
export type SamplingOptions = Partial<SamplingParams>;

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
export function describeBound(bound: SamplingBound): string {
  const kind = bound.integer ? 'an integer' : 'a number';
  const open = bound.max >= Number.MAX_SAFE_INTEGER;
  if (bound.minExclusive) return `${kind} above ${bound.min}${open ? '' : ` and at most ${bound.max}`}`;
  if (bound.min <= Number.MIN_SAFE_INTEGER && open) return `a safe integer`;
  return open ? `${kind} >= ${bound.min}` : `${kind} from ${bound.min} to ${bound.max}`;
}

/** One readable sentence per field that is present and out of range; empty when all are fine. */
export function samplingProblems(options: SamplingOptions): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(SAMPLING_BOUNDS) as SamplingField[]) {
    const value: unknown = options[key];
    if (value !== undefined && checkBound(SAMPLING_BOUNDS[key], value) !== null) problems.push(`${key} must be ${describeBound(SAMPLING_BOUNDS[key])} (got ${String(value)})`);
  }
  return problems;
}

/** The output length's problem, or null when it is fine. */
export function maxTokensProblem(value: unknown): string | null {
  return checkBound(MAX_TOKENS_BOUND, value) === null ? null : `max tokens must be ${describeBound(MAX_TOKENS_BOUND)} (got ${String(value)})`;
}
