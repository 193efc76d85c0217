// Decides after each generated token whether the turn is over, and why: an end-of-sequence
// token ('stop'), the token budget ('length') or the user's abort ('abort'). Stop strings are
// StopStringFilter's job; the engine reports their end as 'stop' too.

export type FinishReason = 'stop' | 'length' | 'abort';

export interface StoppingOptions {
  eosTokenIds: Iterable<number>;
  /** At least 1. */
  maxNewTokens: number;
  /** Polled between steps, e.g. a flag set when the worker receives `abort`. */
  isAborted?: () => boolean;
}

export class StoppingCriteria {
  readonly #eosTokenIds: ReadonlySet<number>;
  readonly #maxNewTokens: number;
  readonly #isAborted: () => boolean;

  constructor(options: StoppingOptions) {
    if (!(Number.isSafeInteger(options.maxNewTokens) && options.maxNewTokens >= 1)) {
      throw new RangeError(`maxNewTokens must be an integer >= 1 (got ${options.maxNewTokens})`);
    }
    this.#eosTokenIds = new Set(options.eosTokenIds);
    this.#maxNewTokens = options.maxNewTokens;
    this.#isAborted = options.isAborted ?? (() => false);
  }

  /** Why generation ends after the last of `generatedTokens`, or null to go on. A natural end
   * outranks an abort that arrived during the same step. */
  check(generatedTokens: readonly number[]): FinishReason | null {
    const last = generatedTokens[generatedTokens.length - 1];
    if (last !== undefined && this.#eosTokenIds.has(last)) return 'stop';
    if (generatedTokens.length >= this.#maxNewTokens) return 'length';
    if (this.#isAborted()) return 'abort';
    return null;
  }
}
