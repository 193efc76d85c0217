// One schema through one engine, MaskBench's way: time the compile (TTFM), then feed each test
// instance's tokens, timing each mask (TBM); a valid instance must get through every token and
// be able to end, an invalid one must be stopped at some token or be unable to end.
import { type InstanceMatcher, RefusedSchema, type SchemaEngine } from './engine.ts';

export interface SchemaJob {
  readonly name: string;
  readonly schema: unknown;
  readonly tests: readonly { readonly valid: boolean; readonly tokens: readonly number[] }[];
}

/** ok: compiled and run; refused: the engine's honest refusal (ours: SchemaError); crashed:
 * any other throw; timeout: over the time cap (set by the caller, who can stop a hung engine). */
export type Outcome = 'ok' | 'refused' | 'crashed' | 'timeout';

export interface SchemaResult {
  readonly name: string;
  readonly outcome: Outcome;
  readonly error?: string;
  readonly ttfmUs?: number;
  readonly validTests: number;
  readonly invalidTests: number;
  /** Valid instances rejected. */
  readonly validationErrors: number;
  /** Invalid instances accepted. */
  readonly invalidationErrors: number;
  /** Each mask's time, in µs. */
  readonly maskUs: Float64Array;
}

export async function runSchema(engine: SchemaEngine, job: SchemaJob): Promise<SchemaResult> {
  const validTests = job.tests.filter((test) => test.valid).length;
  const counts = { name: job.name, validTests, invalidTests: job.tests.length - validTests, validationErrors: 0, invalidationErrors: 0 };
  const maskUs: number[] = [];
  try {
    const started = performance.now();
    const compiled = await engine.compile(job.schema);
    const ttfmUs = (performance.now() - started) * 1000;
    try {
      for (const test of job.tests) {
        const matcher = await compiled.start();
        try {
          const accepted = await acceptsTokens(matcher, test.tokens, maskUs);
          if (test.valid && !accepted) counts.validationErrors++;
          if (!test.valid && accepted) counts.invalidationErrors++;
        } finally {
          matcher.dispose();
        }
      }
    } finally {
      compiled.dispose();
    }
    return { ...counts, outcome: 'ok', ttfmUs, maskUs: Float64Array.from(maskUs) };
  } catch (error) {
    const outcome = error instanceof RefusedSchema ? 'refused' : 'crashed';
    return { ...counts, outcome, error: String(error), validationErrors: 0, invalidationErrors: 0, maskUs: Float64Array.from(maskUs) };
  }
}

/** Whether the matcher takes every token, each checked against a freshly timed mask, and can then end. */
async function acceptsTokens(matcher: InstanceMatcher, tokens: readonly number[], maskUs: number[]): Promise<boolean> {
  for (const token of tokens) {
    const started = performance.now();
    const pending = matcher.computeMask();
    if (pending !== undefined) await pending;
    maskUs.push((performance.now() - started) * 1000);
    if (!matcher.commit(token)) return false;
  }
  return matcher.canEnd();
}
