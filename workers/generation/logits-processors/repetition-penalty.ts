// Hugging Face's repetition penalty (CTRL paper): every token already in the prompt or the
// output, counted once however often it occurs, becomes less likely: a positive logit is
// divided by the penalty and a negative one multiplied, so both move down when penalty > 1.
import type { LogitsProcessor, TokenContext } from './logits-processor.ts';

export class RepetitionPenalty implements LogitsProcessor {
  readonly #penalty: number;
  // Marks tokens already penalised this step; kept between steps to spare a vocabulary-sized
  // allocation per token, and cleared after use.
  #seen = new Uint8Array(0);

  constructor(penalty: number) {
    if (!(penalty > 0 && penalty < Infinity)) throw new RangeError(`repetition penalty must be > 0 (got ${penalty})`);
    this.#penalty = penalty;
  }

  apply(logits: Float32Array, context: TokenContext): void {
    if (this.#seen.length !== logits.length) this.#seen = new Uint8Array(logits.length);
    this.#penalise(logits, context.promptTokens);
    this.#penalise(logits, context.generatedTokens);
    this.#clear(context.promptTokens);
    this.#clear(context.generatedTokens);
  }

  #penalise(logits: Float32Array, tokens: readonly number[]): void {
    const seen = this.#seen;
    for (const id of tokens) {
      if (id < 0 || id >= logits.length || seen[id] === 1) continue;
      seen[id] = 1;
      const logit = logits[id]!;
      logits[id] = logit < 0 ? logit * this.#penalty : logit / this.#penalty;
    }
  }

  #clear(tokens: readonly number[]): void {
    for (const id of tokens) if (id >= 0 && id < this.#seen.length) this.#seen[id] = 0;
  }
}
