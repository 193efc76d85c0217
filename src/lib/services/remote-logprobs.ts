// The logprobs a remote OpenAI-compatible server (vLLM) sends with each choice, in either wire
// shape, read into the engine's TokenLogprob list so the /v1 handler and the UI see one form.
import type { LogprobCandidate, TokenLogprob } from '../../../workers/protocol/logprobs.ts';
import type { ChatChoiceLogprobs, ChatLogprobCandidate, CompletionChoiceLogprobs } from '../../../workers/protocol/openai/wire.ts';

const utf8 = new TextEncoder();

/** The tokens of one chunk's choice (chat or completions shape); empty when it has none. */
export function remoteLogprobs(logprobs: ChatChoiceLogprobs | CompletionChoiceLogprobs | null | undefined): TokenLogprob[] {
  if (!logprobs) return [];
  if ('content' in logprobs) return (logprobs.content ?? []).map((e) => ({ ...candidate(e), top: e.top_logprobs.map(candidate) }));
  return logprobs.tokens.map((token, i) => ({
    token,
    logprob: logprobs.token_logprobs[i]!,
    bytes: Array.from(utf8.encode(token)),
    top: Object.entries(logprobs.top_logprobs[i] ?? {}).map(([text, logprob]) => ({ token: text, logprob, bytes: Array.from(utf8.encode(text)) })),
  }));
}

function candidate({ token, logprob, bytes }: ChatLogprobCandidate): LogprobCandidate {
  return { token, logprob, bytes: bytes ?? Array.from(utf8.encode(token)) };
}
