// The logprobs of the tokens a generation picks, as /v1 reports them: each read from a copy of
// the raw logits row (before temperature, penalties and grammar masks change it), with every
// token's text and bytes. A generation asks for it only when its request has `logprobs`.
import type { LogprobCandidate, TokenLogprob } from '../protocol/logprobs.ts';
import type { TokenVocabulary } from '../grammar/index.ts';
import { rowLogprobs } from './token-rank.ts';

export class LogprobReader {
  readonly #top: number;
  readonly #vocabulary: TokenVocabulary;
  readonly #tokenText: (id: number) => string;
  readonly #utf8 = new TextEncoder();

  /** `tokenText` decodes one token on its own (added tokens by name). */
  constructor(top: number, vocabulary: TokenVocabulary, tokenText: (id: number) => string) {
    this.#top = top;
    this.#vocabulary = vocabulary;
    this.#tokenText = tokenText;
  }

  /** `row` is the raw logits of the position `token` was picked at. */
  read(row: Float32Array, token: number): TokenLogprob {
    const { logprob, top } = rowLogprobs(row, token, this.#top);
    return { ...this.#candidate(token, logprob), top: top.map((c) => this.#candidate(c.id, c.logprob)) };
  }

  #candidate(id: number, logprob: number): LogprobCandidate {
    const token = this.#tokenText(id);
    // A byte-level token's own bytes (its text may be U+FFFD for half a character); an added token's name.
    const bytes = this.#vocabulary.tokenBytes[id] ?? this.#utf8.encode(token);
    return { token, logprob, bytes: Array.from(bytes) };
  }
}
