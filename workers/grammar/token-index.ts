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
  readonly #tableRuns = new Map<FormatTable, (TokenClass | null)[][]>();

  constructor(vocabulary: TokenVocabulary) {
    this.vocabulary = vocabulary;
    const size = vocabulary.size;
    const eligible: (readonly [number, Uint8Array])[] = [];
    vocabulary.tokenBytes.forEach((bytes, id) => {
      if (bytes !== undefined && couldAppear(bytes)) eligible.push([id, bytes]);
    });
    this.all = new TokenTrie(eligible, size);

    const plain: [number[], number[]] = [[], []];
    const escapeTail: [number[], number[]] = [[], []];
    const nonPlain: (readonly [number, Uint8Array])[] = [];
    for (const token of eligible) {
      const [id, bytes] = token;
      const chars = plainStringChars(bytes);
      if (chars >= 0) {
        plain[0].push(id);
        plain[1].push(chars);
      } else {
        nonPlain.push(token);
      }
      const tail = ESCAPE_LETTERS.has(bytes[0]!) ? plainStringChars(bytes, 1) : -1;
      if (tail >= 0) {
        escapeTail[0].push(id);
        escapeTail[1].push(tail);
      }
    }
    this.plain = new TokenClass(size, ...plain);
    this.escapeTail = new TokenClass(size, ...escapeTail);
    this.nonPlain = new TokenTrie(nonPlain, size);
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

  /** Walks the token trie with the table from `from`: every token on the way (all its bytes
   * plain ASCII the table takes) joins the class of the state it ends in. */
  #tableRunsFrom(table: FormatTable, from: number): (TokenClass | null)[] {
    const ids = table.states.map((): number[] => []);
    const sizes = table.states.map((): number[] => []);
    const { firstChild, nextSibling, byte, tokenHead, tokenNext } = this.all;
    const walk = (node: number, state: number, depth: number): void => {
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) {
        const b = byte[child]!;
        const next = b < 0x80 && b !== 0x22 && b !== 0x5c ? table.next[state * 128 + b]! : -1;
        if (next < 0) continue;
        for (let token = tokenHead[child]!; token !== -1; token = tokenNext[token]!) {
          ids[next]!.push(token);
          sizes[next]!.push(depth + 1);
        }
        walk(child, next, depth + 1);
      }
    };
    walk(0, from, 0);
    return ids.map((list, to) => (list.length > 0 ? new TokenClass(this.vocabulary.size, list, sizes[to]!, false) : null));
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
