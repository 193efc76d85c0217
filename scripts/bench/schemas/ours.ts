// Our grammar as a SchemaEngine: compileSchema with Python json.dumps's separators, the mask by
// MaskComputer over Qwen2.5's token index, the state by the matcher.
import { readFileSync } from 'node:fs';
import { MaskComputer } from '../../../workers/grammar/mask.ts';
import { advanceBytes, initialState, isComplete, type MatchState } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { SchemaError } from '../../../workers/grammar/schema-error.ts';
import { tokenIndexFor } from '../../../workers/grammar/token-index.ts';
import { type TokenVocabulary, vocabularyFromTokenizerJson } from '../../../workers/grammar/vocabulary.ts';
import { type CompiledSchema, type InstanceMatcher, RefusedSchema, type SchemaEngine } from './engine.ts';
import { QWEN_LOGITS, TOKENIZER_JSON } from './qwen-tokenizer.ts';

/** What follows `,` and `:` in Python's json.dumps. */
const SEPARATORS = { item: new TextEncoder().encode(' '), key: new TextEncoder().encode(' ') };
/** Tokens left: far beyond any instance, so max_tokens never narrows the mask. */
const LEFT = 1 << 30;

export function oursEngine(): SchemaEngine {
  const vocabulary = vocabularyFromTokenizerJson(JSON.parse(readFileSync(TOKENIZER_JSON, 'utf8')), QWEN_LOGITS);
  const index = tokenIndexFor(vocabulary);
  const masks = new MaskComputer(index);
  return {
    name: 'ours',
    async compile(schema) {
      try {
        const { root } = compileSchema(schema, { separators: SEPARATORS });
        return compiled(initialState(root), vocabulary, masks);
      } catch (error) {
        throw error instanceof SchemaError ? new RefusedSchema(error.message) : error;
      }
    },
  };
}

function compiled(start: MatchState, vocabulary: TokenVocabulary, masks: MaskComputer): CompiledSchema {
  return {
    start: async () => new OursMatcher(start, vocabulary, masks),
    dispose() {},
  };
}

class OursMatcher implements InstanceMatcher {
  #state: MatchState;
  readonly #vocabulary: TokenVocabulary;
  readonly #masks: MaskComputer;

  constructor(state: MatchState, vocabulary: TokenVocabulary, masks: MaskComputer) {
    this.#state = state;
    this.#vocabulary = vocabulary;
    this.#masks = masks;
  }

  computeMask(): void {
    this.#masks.compute(this.#state, LEFT);
  }

  commit(token: number): boolean {
    const allowed = (this.#masks.mask[token >>> 5]! >>> (token & 31)) & 1;
    const bytes = this.#vocabulary.tokenBytes[token];
    if (allowed === 0 || bytes === undefined) return false;
    this.#state = advanceBytes(this.#state, bytes);
    // A token the mask allows but the matcher can't take would be a grammar bug: count it as rejected.
    return this.#state.length !== 0;
  }

  canEnd(): boolean {
    return isComplete(this.#state);
  }

  dispose(): void {}
}
