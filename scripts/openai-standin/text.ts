// What the stand-in server "generates": words drawn from a fixed list by a hash of the model
// and the prompt, so answers are reproducible and differ by model; and vLLM-shaped prompt
// logprobs over whitespace "tokens" for the compare panel's diff.
import { createHash } from 'node:crypto';

const WORDS = ['The', ' quick', ' answer', ' is', ' here', ',', ' and', ' it', ' streams', ' word', ' by', ' word', ' from', ' the', ' server', '.', ' 你好', '世界', ' again', '!'];

function hash(...parts: string[]): number[] {
  return [...createHash('sha256').update(parts.join('\u0000')).digest()];
}

export function answerWords(model: string, prompt: string): string[] {
  const bytes = [...hash(model, prompt), ...hash(prompt, model)];
  return bytes.map((b) => WORDS[b % WORDS.length]!);
}

/** vLLM's `prompt_logprobs`: null for the first token, then per token a map from token id to
 * { logprob, rank, decoded_token } holding the actual token and the top `k`. */
export function promptLogprobs(model: string, prompt: string, k: number): (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[] {
  const tokens = prompt.match(/\s*\S+/g) ?? [];
  return tokens.map((token, i) => {
    if (i === 0) return null;
    const h = hash(model, prompt, String(i));
    const rank = 1 + (h[0]! % 6);
    const entries: Record<string, { logprob: number; rank: number; decoded_token: string }> = {};
    for (let r = 1; r <= k; r++) entries[String(1000 + r)] = { logprob: -0.3 * r - (h[r]! % 10) / 100, rank: r, decoded_token: r === rank ? token : ` alt${r}` };
    entries[String(i)] = { logprob: -0.3 * rank, rank, decoded_token: token };
    return entries;
  });
}
