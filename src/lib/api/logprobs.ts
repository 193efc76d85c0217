// /v1 logprobs: how many alternatives a request asks the engine for, and the engine's token
// logprobs (workers/protocol/logprobs.ts) in OpenAI's two shapes: chat's content entries, and
// legacy completions' parallel arrays with text offsets.
import type { TokenLogprob } from '../../../workers/protocol/logprobs.ts';
import type { ChatChoiceLogprobs, ChatCompletionCreateParams, CompletionChoiceLogprobs, CompletionCreateParams } from '../../../workers/protocol/openai/wire.ts';

/** Top alternatives per token a chat request asks for; undefined: no logprobs. */
export function chatLogprobsAsked(params: ChatCompletionCreateParams): number | undefined {
  return params.logprobs === true ? (params.top_logprobs ?? 0) : undefined;
}

/** Top alternatives per token a completions request asks for; undefined: no logprobs. */
export function completionLogprobsAsked(params: CompletionCreateParams): number | undefined {
  return params.logprobs ?? undefined;
}

/** Sets the choices' logprobs of a response that responses.ts built without them. */
export function setLogprobs<L>(response: { choices: { logprobs: L | null }[] }, logprobs: L): void {
  for (const choice of response.choices) choice.logprobs = logprobs;
}

export function chatLogprobs(entries: readonly TokenLogprob[]): ChatChoiceLogprobs {
  return {
    content: entries.map((e) => ({ token: e.token, logprob: e.logprob, bytes: e.bytes, top_logprobs: e.top.map(({ token, logprob, bytes }) => ({ token, logprob, bytes })) })),
    refusal: null,
  };
}

/** Completions logprobs piece after piece of one answer: text offsets run on across the pieces. */
export class CompletionLogprobs {
  #offset = 0;

  next(entries: readonly TokenLogprob[]): CompletionChoiceLogprobs {
    const text_offset = entries.map((e) => {
      const at = this.#offset;
      // In characters (code points), as vLLM counts them in Python.
      this.#offset += [...e.token].length;
      return at;
    });
    return { tokens: entries.map((e) => e.token), token_logprobs: entries.map((e) => e.logprob), top_logprobs: entries.map(topByText), text_offset };
  }
}

/** { token: logprob }, best first, with the chosen token added when it is not among them (OpenAI's
 * rule: up to logprobs + 1 entries). Tokens of the same text keep the more likely one's value. */
function topByText(entry: TokenLogprob): Record<string, number> {
  const top = new Map<string, number>();
  for (const c of [...entry.top, entry]) if (!top.has(c.token)) top.set(c.token, c.logprob);
  return Object.fromEntries(top);
}
