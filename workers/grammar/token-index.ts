// What the grammar precomputes once per vocabulary (per model), cached by vocabulary object:
// the trie of every token a document may contain, and the token classes that the fast paths
// add wholesale inside strings (plain text, an escape letter then plain text, and per state of
// a table-driven format, the tokens leading to each other state), with the trie of the tokens
// that are not plain, for the walk that complements them.
import type { FormatTable } from './formats.ts';
import { ESCAPE_LETTERS, plainStringChars } from './string.ts';
import { TokenClass } from './token-class.ts';
import { TokenTrie } from './token-trie.ts';
import type { TokenVocabulary } from './vocabulary.ts';

export class TokenIndex {
  readonly vocabulary: TokenVocabulary;
  /** Every token some document may contain. */
  readonly all: TokenTrie;
  /** Whole UTF-8 characters with no quote, backslash or control byte; sized in characters. */
  readonly plain: TokenClass;
  /** `all` without `plain`: what a walk inside a string must still look at. */
  readonly nonPlain: TokenTrie;
  /** One of \'s escape letters, then plain text; sized in the plain part's characters. */
  readonly escapeTail: TokenClass;
  readonly #eligible: (readonly [number, Uint8Array])[];
  readonly #tableRuns = new Map<FormatTable, (TokenClass | null)[][]>();

  constructor(vocabulary: TokenVocabulary) {
    this.vocabulary = vocabulary;
    const size = vocabulary.size;
    this.#eligible = [];
    vocabulary.tokenBytes.forEach((bytes, id) => {
      if (bytes !== undefined && couldAppear(bytes)) this.#eligible.push([id, bytes]);
    });
    this.all = new TokenTrie(this.#eligible, size);

    const plainSizes = new Int32Array(size).fill(-1);
    const escapeSizes = new Int32Array(size).fill(-1);
    for (const [id, bytes] of this.#eligible) {
      plainSizes[id] = plainStringChars(bytes);
      if (ESCAPE_LETTERS.has(bytes[0]!)) escapeSizes[id] = plainStringChars(bytes, 1);
    }
    this.plain = new TokenClass(plainSizes);
    this.escapeTail = new TokenClass(escapeSizes);
    this.nonPlain = new TokenTrie(
      this.#eligible.filter(([id]) => plainSizes[id]! < 0),
      size,
    );
  }

  /** For a format table: [from state][to state], the plain tokens that take it from one to
   * the other (sized in characters), or null for none. Built on a table's first use. */
  tableRuns(table: FormatTable): readonly (readonly (TokenClass | null)[])[] {
    let runs = this.#tableRuns.get(table);
    if (runs === undefined) {
      runs = table.states.map((_, from) => this.#tableRunsFrom(table, from));
      this.#tableRuns.set(table, runs);
    }
    return runs;
  }

  #tableRunsFrom(table: FormatTable, from: number): (TokenClass | null)[] {
    const sizes = table.states.map(() => new Int32Array(this.vocabulary.size).fill(-1));
    const found = table.states.map(() => false);
    for (const [id, bytes] of this.#eligible) {
      let state = from;
      for (let at = 0; at < bytes.length && state >= 0; at++) {
        const b = bytes[at]!;
        state = b < 0x80 && b !== 0x22 && b !== 0x5c ? table.next[state * 128 + b]! : -1;
      }
      if (state < 0) continue;
      sizes[state]![id] = bytes.length;
      found[state] = true;
    }
    return sizes.map((list, to) => (found[to] ? new TokenClass(list, false) : null));
  }
}

const cache = new WeakMap<TokenVocabulary, TokenIndex>();

/** The vocabulary's index, built on first use (a few hundred ms for Qwen2.5) and kept while
 * the vocabulary object lives: call it when a model loads to take that cost off the first request. */
export function tokenIndexFor(vocabulary: TokenVocabulary): TokenIndex {
  let index = cache.get(vocabulary);
  if (index === undefined) {
    index = new TokenIndex(vocabulary);
    cache.set(vocabulary, index);
  }
  return index;
}

/** False for tokens no compact JSON document contains: control bytes (whitespace between
 * tokens is never written, and strings escape them) and bytes UTF-8 never uses. */
function couldAppear(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.every((b) => b >= 0x20 && b !== 0xc0 && b !== 0xc1 && b < 0xf5);
}
