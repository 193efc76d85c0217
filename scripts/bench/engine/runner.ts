// What every engine under test does for the bench: generate greedily from a prompt, optionally
// continuing from its own KV cache, and report when the first and the last new token came.
import type { Prompt } from './prompts.ts';

export interface RunFigures {
  /** Tokens the forward passes read before the first new token (the prompt less the reused cache). */
  prefillTokens: number;
  /** From the request to the first new token: prefill and its sampling. */
  firstTokenMs: number;
  decodeTokens: number;
  /** From the first new token to the last. */
  decodeMs: number;
}

export interface Runner {
  /** `reuse`: continue from the cache of the previous call, whose tokens the prompt extends. */
  generate: (prompt: Prompt, maxTokens: number, reuse: boolean) => Promise<RunFigures>;
  close: () => Promise<void>;
}

export const prefillRate = (f: RunFigures): number => (f.prefillTokens * 1000) / f.firstTokenMs;
export const decodeRate = (f: RunFigures): number => (f.decodeTokens > 1 ? ((f.decodeTokens - 1) * 1000) / f.decodeMs : NaN);
