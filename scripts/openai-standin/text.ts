// What the stand-in server "generates": words drawn from a fixed list by a hash of the model
// and the prompt, so answers are reproducible and differ by model; and vLLM-shaped prompt
// logprobs over a toy tokenizer (newlines alone, spaces joined to the word after them) whose
// token ids are the same for every model, as a model family's shared tokenizer's are.
import { createHash } from 'node:crypto';

const WORDS = ['The', ' quick', ' answer', ' is', ' here', ',', ' and', ' it', ' streams', ' word', ' by', ' word', ' from', ' the', ' server', '.', ' 你好', '世界', ' again', '!'];
export const TOP_LOGPROBS = 5;

function hash(...parts: string[]): number[] {
  return [...createHash('sha256').update(parts.join('\u0000')).digest()];
}

export function answerWords(model: string, prompt: string): string[] {
  const bytes = [...hash(model, prompt), ...hash(prompt, model)];
  return bytes.map((b) => WORDS[b % WORDS.length]!);
}

export function tokenize(text: string): string[] {
  return text.match(/\n|[^\S\n]*[^\s]+|[^\S\n]+$/g) ?? [];
}

export function tokenId(token: string): number {
  const [a, b, c] = hash('token', token);
  return ((a! << 16) | (b! << 8) | c!) % 150_000;
}

export interface VllmLogprob {
  logprob: number;
  rank: number;
  decoded_token: string;
}

/** The rank `model` gives the token at `position` of `text` (1 to 6), reproducibly. */
export function standinRank(model: string, text: string, position: number): number {
  return 1 + (hash(model, text, String(position))[0]! % 6);
}

/** vLLM's `prompt_logprobs`: null for the first token, then for each token its own entry
 * (with its rank) and the top `k` candidates, keyed by token id. */
export function promptLogprobs(model: string, text: string, k: number): (Record<string, VllmLogprob> | null)[] {
  return tokenize(text).map((token, i) => {
    if (i === 0) return null;
    const rank = standinRank(model, text, i);
    const entries: Record<string, VllmLogprob> = {};
    for (let r = 1; r <= k; r++) {
      if (r !== rank) entries[String(200_000 + r)] = { logprob: -0.5 * r, rank: r, decoded_token: ` alt${r}` };
    }
    entries[String(tokenId(token))] = { logprob: -0.5 * rank, rank, decoded_token: token };
    return entries;
  });
}

export interface StandinLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** The logprob of the answer's word at `position` and `top` alternatives, chat-shaped, reproducibly. */
export function answerLogprob(model: string, prompt: string, position: number, word: string, top: number): StandinLogprob {
  const rank = standinRank(model, prompt, position);
  const entry = (token: string, r: number) => ({ token, logprob: -0.25 * r, bytes: [...Buffer.from(token, 'utf8')] });
  const alternatives = Array.from({ length: top }, (_, i) => (i + 1 === rank ? entry(word, rank) : entry(` alt${i + 1}`, i + 1)));
  return { ...entry(word, rank), top_logprobs: alternatives };
}
