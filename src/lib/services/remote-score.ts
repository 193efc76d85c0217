// Teacher forcing on a remote server, for the alignment diff: the prompt plus a given answer
// sent as one completion prompt with vLLM's `prompt_logprobs` (each prompt token's rank and the
// top candidates) and `return_token_ids`; the answer's tokens are the trailing ones whose text
// makes up the answer. Servers without these fields get a clear note instead of a diff.
import { RemoteError } from '../../../workers/protocol/errors.ts';
import type { ChatMessage, GenerateInput, TokenScore } from '../../../workers/protocol/messages.ts';
import type { ScoreResult } from './engine-client.ts';
import { remoteFetch, type RemoteConfig } from './remote-client.ts';

const TOP = 5;

interface VllmLogprob {
  logprob: number;
  rank: number;
  decoded_token: string;
}

interface VllmScoreChoice {
  prompt_logprobs?: (Record<string, VllmLogprob> | null)[];
  prompt_token_ids?: number[];
}

/** Qwen2.5's chat template (ChatML), as the server's tokenizer would render it. */
function chatml(messages: ChatMessage[]): string {
  return `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
}

export async function remoteScore(config: RemoteConfig, model: string, input: GenerateInput, answer: string, signal?: AbortSignal): Promise<ScoreResult> {
  const started = performance.now();
  const prompt = input.mode === 'chat' ? chatml(input.messages) : input.prompt;
  const body = { model, prompt: prompt + answer, max_tokens: 1, temperature: 0, prompt_logprobs: TOP, return_token_ids: true };
  const response = await remoteFetch(config, '/completions', { method: 'POST', body: JSON.stringify(body) }, signal);
  const choice = ((await response.json()) as { choices?: VllmScoreChoice[] }).choices?.[0];
  const ids = choice?.prompt_token_ids;
  const logprobs = choice?.prompt_logprobs;
  if (!ids || !logprobs || logprobs.length !== ids.length) {
    throw new RemoteError('remote_no_logprobs', `${model} on ${config.baseUrl} returned no prompt_logprobs with prompt_token_ids, so answer tokens cannot be ranked. vLLM 0.10.2 or later returns them; other servers do not.`);
  }
  const scored = ids.map((id, i): TokenScore | null => {
    const entries = logprobs[i];
    const own = entries?.[String(id)];
    if (!entries || !own) return null;
    const top = Object.entries(entries)
      .map(([key, e]) => ({ id: Number(key), text: e.decoded_token, probability: Math.exp(e.logprob), rank: e.rank }))
      .filter((c) => c.rank <= TOP)
      .sort((a, b) => a.rank - b.rank)
      .map(({ id: cid, text, probability }) => ({ id: cid, text, probability }));
    return { id, text: own.decoded_token, rank: own.rank, probability: Math.exp(own.logprob), top };
  });
  // The answer is the shortest run of trailing tokens whose texts spell it.
  let start = ids.length;
  let text = '';
  while (start > 0 && text.length < answer.length) {
    const token = scored[start - 1];
    if (!token) break;
    text = token.text + text;
    start--;
  }
  if (text !== answer) throw new RemoteError('remote_bad_response', `The server's tokens of the answer do not spell it (got ${JSON.stringify(text.slice(0, 80))}).`);
  return { promptIds: ids.slice(0, start), tokens: scored.slice(start) as TokenScore[], durationMs: performance.now() - started };
}
