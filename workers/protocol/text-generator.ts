// The one generation interface every backend implements: the engine client (this device), the
// remote client (an OpenAI-compatible server), the /v1 handler's engine and each compare pane.
// Stopping has one form: the signal ends the answer early and the promise resolves with the
// text so far and finishReason 'abort'; it rejects only for errors (a GenerationError's code).
import type { TokenLogprob } from './logprobs.ts';
import type { DoneEvent, GenerateRequest } from './messages.ts';

/** A generate request without its envelope (kind, id). */
export type GeneratePayload = Omit<GenerateRequest, 'kind' | 'id'>;

/** The finished answer: its text, token ids and stats. */
export type GenerateResult = Omit<DoneEvent, 'kind' | 'id'>;

export interface GenerateHooks {
  /** Each piece of stable text as it is produced, with its tokens' logprobs when the request asks for them. */
  onDelta?: (delta: string, logprobs?: TokenLogprob[]) => void;
  signal?: AbortSignal;
}

export interface TextGenerator {
  generate(request: GeneratePayload, hooks?: GenerateHooks): Promise<GenerateResult>;
}
