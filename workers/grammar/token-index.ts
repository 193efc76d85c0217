// What the grammar precomputes once per vocabulary (per model), cached by vocabulary object:
// the trie of every token a document may contain, and the token classes that the fast paths
// add wholesale inside strings (plain text, an escape letter then plain text, and per state of
// a table-driven format, the tokens leading to each other state), with the trie of the tokens
// that are not plain, for the walk that complements them.
import type { ByteDfa } from './byte-dfa.ts';
import { isLead } from './completion-table.ts';
import { ESCAPE_LETTERS, partialStringChars, plainStringChars } from './string.ts';
import { TokenClass } from './token-class.ts';
import { TokenTrie } from './token-trie.ts';
import type { TokenVocabulary } from './vocabulary.ts';

/** Automaton classes this large keep bitsets by size, for quick adds under a maxLength. */
const CUMULATIVE_FROM = 8192;

export class TokenIndex {
  readonly vocabulary: TokenVocabulary;
  /** Every token some document may contain. */
  readonly all: TokenTrie;
  /** Whole UTF-8 characters with no quote, backslash or control byte; sized in characters. */
  readonly plain: TokenClass;
  /** `all` without `plain`: what a walk inside a string must still look at. */
  readonly nonPlain: TokenTrie;
  /** Plain text ending inside a character, by the continuation bytes it owes less one (0 to
   * 2); sized in characters, that one included. */
  readonly partial: readonly TokenClass[];
  /** `nonPlain` without `partial`: what a walk from plain text must look at beside the classes. */
  readonly afterPlain: TokenTrie;
  /** Plain text, a quote, then anything (`ing",`): tokens that close a plain string whatever it
   * held. A trie over the part after the quote (those ending at the quote sit at the root). */
  readonly closers: TokenTrie;
  /** Per token id, a closer's characters before its quote. */
  readonly closerChars: Uint16Array;
  /** `afterPlain` without the closers: what a walk must look at when the closers are added apart. */
  readonly afterPlainRest: TokenTrie;
  /** The tokens with a quote or backslash: what a walk beside the automaton classes must look at. */
  readonly quoting: TokenTrie;
  /** One of \'s escape letters, then plain text; sized in the plain part's characters. */
  readonly escapeTail: TokenClass;
  /** Per DFA, per state once used: [end state, tokens] pairs. */
  readonly #automatonRuns = new WeakMap<ByteDfa, (readonly (readonly [number, TokenClass])[])[]>();

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
    const partial: [number[], number[]][] = [[[], []], [[], []], [[], []]];
    const afterPlain: (readonly [number, Uint8Array])[] = [];
    const closers: (readonly [number, Uint8Array])[] = [];
    const rest: (readonly [number, Uint8Array])[] = [];
    this.closerChars = new Uint16Array(size);
    for (const token of nonPlain) {
      const [id, bytes] = token;
      const open = partialStringChars(bytes);
      if (open !== null) {
        partial[open.pending - 1]![0].push(id);
        partial[open.pending - 1]![1].push(open.chars);
        continue;
      }
      afterPlain.push(token);
      const quote = bytes.indexOf(0x22);
      const chars = quote < 0 ? -1 : plainStringChars(bytes.subarray(0, quote));
      if (chars < 0) {
        rest.push(token);
      } else {
        closers.push([id, bytes.subarray(quote + 1)]);
        this.closerChars[id] = chars;
      }
    }
    this.partial = partial.map(([ids, sizes]) => new TokenClass(size, ids, sizes, false));
    this.afterPlain = new TokenTrie(afterPlain, size);
    this.closers = new TokenTrie(closers, size);
    this.afterPlainRest = new TokenTrie(rest, size);
    this.quoting = new TokenTrie(
      nonPlain.filter(([, bytes]) => bytes.includes(0x22) || bytes.includes(0x5c)),
      size,
    );
  }

  /** For a DFA state: the plain tokens (no quote, backslash or control byte; they may start or
   * end mid-character) that take the DFA from `state` to each end state, sized in code points.
   * Built on a state's first use. */
  automatonRuns(dfa: ByteDfa, state: number): readonly (readonly [number, TokenClass])[] {
    let runs = this.#automatonRuns.get(dfa);
    if (runs === undefined) this.#automatonRuns.set(dfa, (runs = []));
    return (runs[state] ??= this.#automatonRunsFrom(dfa, state));
  }

  /** Walks the token trie with the DFA from `from`: every token on the way joins the class of
   * the state it ends in. */
  #automatonRunsFrom(dfa: ByteDfa, from: number): [number, TokenClass][] {
    const ids = new Map<number, number[]>();
    const sizes = new Map<number, number[]>();
    const { firstChild, nextSibling, byte, tokenHead, tokenNext } = this.all;
    const walk = (node: number, state: number, chars: number): void => {
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) {
        const b = byte[child]!;
        const next = b !== 0x22 && b !== 0x5c ? dfa.table[state * 256 + b]! : -1;
        if (next < 0) continue;
        const count = chars + (isLead(b) ? 1 : 0);
        if (tokenHead[child] !== -1 && !ids.has(next)) {
          ids.set(next, []);
          sizes.set(next, []);
        }
        for (let token = tokenHead[child]!; token !== -1; token = tokenNext[token]!) {
          ids.get(next)!.push(token);
          sizes.get(next)!.push(count);
        }
        walk(child, next, count);
      }
    };
    walk(0, from, 0);
    return [...ids].map(([end, list]) => [end, new TokenClass(this.vocabulary.size, list, sizes.get(end)!, list.length >= CUMULATIVE_FROM)]);
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
