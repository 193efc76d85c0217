// OpenAI's presence and frequency penalties, over the generated tokens only (not the prompt):
// logit -= presence * (count > 0) + frequency * count, where count is how often the token has
// been generated so far. Negative values encourage repetition instead.
import type { LogitsProcessor, TokenContext } from './logits-processor.ts';

export class PresenceFrequencyPenalty implements LogitsProcessor {
  readonly #presence: number;
  readonly #frequency: number;
  // Per-token counts for this step; kept between steps to avoid a vocabulary-sized allocation
  // per token, and back to zero after each use.
  #counts = new Uint32Array(0);

  constructor(presence: number, frequency: number) {
    if (!Number.isFinite(presence) || !Number.isFinite(frequency)) {
      throw new RangeError(`penalties must be finite (got presence ${presence}, frequency ${frequency})`);
    }
    this.#presence = presence;
    this.#frequency = frequency;
  }

  apply(logits: Float32Array, context: TokenContext): void {
    if (this.#counts.length !== logits.length) this.#counts = new Uint32Array(logits.length);
    const counts = this.#counts;
    const tokens = context.generatedTokens;
    for (const id of tokens) if (id >= 0 && id < logits.length) counts[id]!++;
    for (const id of tokens) {
      const count = counts[id];
      if (!count) continue; // out of range, or a repeat already penalised
      logits[id]! -= this.#presence + this.#frequency * count;
      counts[id] = 0;
    }
  }
}
