// The contract of one logits processor: a step that rewrites the raw next-token logits in place
// before the sampler picks, given the tokens seen so far. index.ts lists them in order.

export interface TokenContext {
  promptTokens: readonly number[];
  generatedTokens: readonly number[];
}

export interface LogitsProcessor {
  apply(logits: Float32Array, context: TokenContext): void;
}
