// Token log-probabilities as the engine and a remote backend report them to the /v1 handler,
// and the ranges of the wire fields that ask for them. The engine's values are the model's raw
// distribution: log-softmax of the logits before temperature, penalties and grammar masks, as
// vLLM's default (raw_logprobs) gives them.
import type { SamplingBound } from './sampling-rules.ts';

export interface LogprobCandidate {
  /** The token decoded on its own; a piece of a multi-byte character shows as U+FFFD. */
  token: string;
  logprob: number;
  /** The token's own bytes (UTF-8, or a part of a character's). */
  bytes: number[];
}

/** One generated token and the model's most likely tokens at its position, best first. */
export interface TokenLogprob extends LogprobCandidate {
  top: LogprobCandidate[];
}

/** Alternatives per token a generate request may ask for: chat's top_logprobs, OpenAI's range. */
export const TOP_LOGPROBS_BOUND: SamplingBound = { min: 0, max: 20, integer: true };

/** Legacy completions' `logprobs`, as OpenAI caps it. */
export const COMPLETION_LOGPROBS_BOUND: SamplingBound = { min: 0, max: 5, integer: true };
