// Structured output for one request: a logits processor that, at every step, leaves only the
// tokens that keep the output a valid prefix of the response format's JSON, and that still let
// the document finish within max_tokens, its end-of-sequence token included.
//
// How the engine uses it, per request:
//   const constraint = createGrammarConstraint(format, vocabulary, { maxTokens, eosTokenIds });
//   // null for {type: 'text'}; throws SchemaError (bad schema) or RangeError (max_tokens too small)
//   each step:  constraint.apply(logits, context);  // first, before sampler.sample(logits, context)
//               token = sampler.sample(logits, context);
//               constraint.accept(token);            // or let the next apply() read it from context
//   stop on an end-of-sequence token, as StoppingCriteria does: the constraint only allows one
//   once the document is complete, and then nothing else (unless a top-level number could go
//   on), and it makes the document complete by token maxTokens - 1, so the stop is 'stop'.
// Masked logits become -Infinity, which penalties and temperature keep as they are.
// `vocabulary` (vocabularyFromTokenizerJson) should be one object per model: its precomputed
// index is cached on it (tokenIndexFor), a few hundred ms saved on every later request.
import type { LogitsProcessor, TokenContext } from '../generation/logits-processors/logits-processor.ts';
import { MaskComputer } from './mask.ts';
import { advanceBytes, closingBytes, closingCost, initialState, isComplete, type MatchState } from './matcher.ts';
import type { ResponseFormat } from '../protocol/response-format.ts';
import { grammarFor } from './response-format.ts';
import type { Grammar } from './schema-compiler.ts';
import { type TokenIndex, tokenIndexFor } from './token-index.ts';
import { fewestTokens } from './token-plan.ts';
import type { TokenVocabulary } from './vocabulary.ts';

export interface GrammarConstraintOptions {
  /** The request's max_tokens: the document and the end-of-sequence token after it fit in it. */
  maxTokens: number;
  /** The tokens that end generation (generation_config's eos_token_id): at least one. */
  eosTokenIds: readonly number[];
}

/** The constraint `format` asks for, or null for plain text. Throws SchemaError for a schema it
 * can't enforce, RangeError when max_tokens can't fit the smallest document. */
export function createGrammarConstraint(
  format: ResponseFormat,
  vocabulary: TokenVocabulary,
  options: GrammarConstraintOptions,
): GrammarConstraint | null {
  const grammar = grammarFor(format);
  return grammar === null ? null : new GrammarConstraint(grammar, vocabulary, options);
}

/** Tokens in the fewest-token spelling of the format's shortest document (no end-of-sequence
 * token): max_tokens must be above it. 0 for plain text. */
export function minimalDocumentTokens(format: ResponseFormat, vocabulary: TokenVocabulary): number {
  const grammar = grammarFor(format);
  return grammar === null ? 0 : shortestDocumentPlan(grammar, tokenIndexFor(vocabulary)).length;
}

function shortestDocumentPlan(grammar: Grammar, index: TokenIndex): number[] {
  const plan = fewestTokens(index.all, closingBytes(initialState(grammar.root)));
  if (plan === null) throw new Error('the vocabulary cannot spell the shortest document');
  return plan;
}

export class GrammarConstraint implements LogitsProcessor {
  readonly #vocabulary: TokenVocabulary;
  readonly #index: TokenIndex;
  readonly #maxTokens: number;
  readonly #eosTokenIds: readonly number[];
  readonly #masks: MaskComputer;
  readonly #accepted: number[] = [];
  #state: MatchState;
  #ended = false;
  /** Tokens that finish the document from here, kept while the output follows them: the way
   * out when the byte-by-byte closing would not fit in the tokens left. */
  #plan: number[] | null = null;

  constructor(grammar: Grammar, vocabulary: TokenVocabulary, options: GrammarConstraintOptions) {
    const { maxTokens, eosTokenIds } = options;
    if (!(Number.isSafeInteger(maxTokens) && maxTokens >= 1)) throw new RangeError(`maxTokens must be an integer >= 1 (got ${maxTokens})`);
    if (eosTokenIds.length === 0) throw new RangeError('eosTokenIds must name at least one token');
    this.#vocabulary = vocabulary;
    this.#index = tokenIndexFor(vocabulary);
    this.#maxTokens = maxTokens;
    this.#eosTokenIds = [...eosTokenIds];
    this.#masks = new MaskComputer(this.#index);
    this.#state = initialState(grammar.root);
    if (closingCost(this.#state) > maxTokens - 1) {
      const plan = shortestDocumentPlan(grammar, this.#index);
      if (plan.length > maxTokens - 1) {
        const text = new TextDecoder().decode(Uint8Array.from(closingBytes(this.#state)));
        throw new RangeError(
          `max_tokens ${maxTokens} is too small for this response format: its shortest document, ${text}, takes ${plan.length} tokens and the end of sequence one more`,
        );
      }
      this.#plan = plan;
    }
  }

  /** Sets every logit the grammar rules out to -Infinity, after catching up with
   * `context.generatedTokens` (tokens not yet passed to accept()). */
  apply(logits: Float32Array, context: TokenContext): void {
    if (logits.length !== this.#vocabulary.size) {
      throw new RangeError(`logits have ${logits.length} entries but the vocabulary ${this.#vocabulary.size}`);
    }
    this.#catchUp(context.generatedTokens);
    const mask = this.allowedTokens();
    // Visit only the masked ids: few inside strings, whole words elsewhere.
    for (let word = 0; word < mask.length; word++) {
      const base = word << 5;
      const bits = mask[word]!;
      if (bits === 0) {
        logits.fill(-Infinity, base, base + 32);
        continue;
      }
      for (let masked = ~bits; masked !== 0; masked &= masked - 1) {
        const id = base + 31 - Math.clz32(masked & -masked);
        if (id < logits.length) logits[id] = -Infinity;
      }
    }
  }

  /** The tokens allowed next, as a bitset over token ids (bit id & 31 of word id >> 5). Valid
   * until the next call. */
  allowedTokens(): Uint32Array {
    if (this.#ended) throw new Error('the document has already ended');
    const left = this.#maxTokens - 1 - this.#accepted.length;
    const mask = this.#masks.compute(this.#state, left);
    if (!isComplete(this.#state) && closingCost(this.#state) > left) {
      this.#plan ??= fewestTokens(this.#index.all, closingBytes(this.#state));
      const next = this.#plan?.[0];
      if (next !== undefined) mask[next >>> 5]! |= 1 << (next & 31);
    }
    for (const id of this.allowedEos) mask[id >>> 5]! |= 1 << (id & 31);
    return mask;
  }

  /** Moves past `tokenId`; throws when the grammar does not allow it. */
  accept(tokenId: number): void {
    if (this.#ended) throw new Error('the document has already ended');
    if (this.#eosTokenIds.includes(tokenId)) {
      if (!isComplete(this.#state)) throw new Error(`end-of-sequence token ${tokenId} came before the document was complete`);
      this.#ended = true;
    } else {
      const bytes = this.#vocabulary.tokenBytes[tokenId];
      const state = bytes === undefined ? [] : advanceBytes(this.#state, bytes);
      if (state.length === 0) throw new Error(`token ${tokenId} does not continue the document`);
      this.#state = state;
      this.#plan = this.#plan?.[0] === tokenId ? this.#plan.slice(1) : null;
    }
    this.#accepted.push(tokenId);
  }

  /** True when the output so far is a whole document. */
  isComplete(): boolean {
    return isComplete(this.#state);
  }

  /** The end-of-sequence tokens allowed next: all of them once the document is complete. */
  get allowedEos(): readonly number[] {
    return this.isComplete() ? this.#eosTokenIds : [];
  }

  #catchUp(generated: readonly number[]): void {
    const accepted = this.#accepted;
    if (generated.length < accepted.length || (accepted.length > 0 && generated[accepted.length - 1] !== accepted.at(-1))) {
      throw new Error('context.generatedTokens does not continue the tokens this constraint accepted');
    }
    for (let at = accepted.length; at < generated.length; at++) this.accept(generated[at]!);
  }
}
