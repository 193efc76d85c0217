// The shortest way to finish a string whose content a byte DFA constrains, with length limits
// counted in code points: over the product of DFA state and count (counts past minLength alike
// when there is no maxLength), the fewest bytes of JSON string content that reach an accepting
// state with the count in range, found backwards from the accepting pairs (Dijkstra, weights
// 1, 2 or 6: a quote, backslash or control character is written escaped). Cached per DFA and limits.
import type { ByteDfa } from './byte-dfa.ts';

/** Above this many (state, count) pairs the limits are refused. */
const MAX_PAIRS = 2_000_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' };
const HEX = '0123456789abcdef';

/** Bytes of JSON string content that write byte `b` (a code point's UTF-8 byte). */
export function writtenSize(b: number): number {
  if (b === QUOTE || b === BACKSLASH || SHORT_ESCAPES[b] !== undefined) return 2;
  return b < 0x20 ? 6 : 1;
}

/** Appends the JSON string content that writes byte `b`. */
export function writeContentByte(out: number[], b: number): void {
  if (writtenSize(b) === 1) {
    out.push(b);
    return;
  }
  out.push(BACKSLASH);
  const letter = b === QUOTE || b === BACKSLASH ? String.fromCharCode(b) : SHORT_ESCAPES[b] ?? `u00${HEX[b >> 4]}${HEX[b & 15]}`;
  for (const c of letter) out.push(c.charCodeAt(0));
}

/** True for a byte that starts a code point (so it counts towards the length). */
export const isLead = (b: number): boolean => b < 0x80 || b >= 0xc0;

export class CompletionTable {
  readonly dfa: ByteDfa;
  readonly minLength: number;
  readonly maxLength: number;
  /** Counts tracked: 0..top; past `top` (only without a maxLength) counts are as `top`. */
  readonly #top: number;
  /** Per pair: the content bytes of the shortest completion (Infinity: none), and its first byte. */
  readonly #cost: Float64Array;
  readonly #first: Int16Array;

  constructor(dfa: ByteDfa, minLength: number, maxLength: number) {
    this.dfa = dfa;
    this.minLength = minLength;
    this.maxLength = maxLength;
    this.#top = maxLength === Infinity ? minLength : maxLength;
    const counts = this.#top + 1;
    const pairs = dfa.size * counts;
    if (pairs > MAX_PAIRS) throw new RangeError(`${pairs} (state, length) pairs`);
    this.#cost = new Float64Array(pairs).fill(Infinity);
    this.#first = new Int16Array(pairs).fill(-1);
    this.#search(counts);
  }

  /** The pair after `count` code points in `state`, or -1 past the maxLength. */
  #pair(state: number, count: number): number {
    if (count > this.#top) {
      if (this.maxLength !== Infinity) return -1;
      count = this.#top;
    }
    return state * (this.#top + 1) + count;
  }

  #search(counts: number): void {
    const { dfa } = this;
    const into: number[][] = Array.from({ length: dfa.size }, () => []);
    for (let s = 0; s < dfa.size; s++) {
      for (let b = 0; b < 256; b++) {
        const t = dfa.next(s, b);
        if (t >= 0) into[t]!.push(s, b);
      }
    }
    // Buckets by cost; a pair may sit in several, and counts once, at its least.
    const buckets: number[][] = [[]];
    for (let s = 0; s < dfa.size; s++) {
      if (!dfa.accepting(s)) continue;
      for (let c = Math.min(this.minLength, this.#top); c < counts; c++) {
        this.#cost[s * counts + c] = 0;
        buckets[0]!.push(s * counts + c);
      }
    }
    for (let d = 0; d < buckets.length; d++) {
      for (const pair of buckets[d] ?? []) {
        if (this.#cost[pair] !== d) continue;
        const [t, c] = [Math.floor(pair / counts), pair % counts];
        const edges = into[t]!;
        for (let e = 0; e < edges.length; e += 2) {
          const [s, b] = [edges[e]!, edges[e + 1]!];
          const cost = d + writtenSize(b);
          const from = isLead(b) ? (c === this.#top && this.maxLength === Infinity ? [c - 1, c] : [c - 1]) : [c];
          for (const cs of from) {
            if (cs < 0) continue;
            const p = s * counts + cs;
            if (cost < this.#cost[p]!) {
              this.#cost[p] = cost;
              this.#first[p] = b;
              (buckets[cost] ??= []).push(p);
            }
          }
        }
      }
    }
  }

  /** Content bytes of the shortest completion from `state` after `count` code points
   * (Infinity when none is left). */
  cost(state: number, count: number): number {
    const pair = this.#pair(state, count);
    return pair < 0 ? Infinity : this.#cost[pair]!;
  }

  /** Appends that completion (written as JSON string content). */
  write(state: number, count: number, out: number[]): void {
    for (let pair = this.#pair(state, count); this.#cost[pair]! > 0; ) {
      const b = this.#first[pair]!;
      writeContentByte(out, b);
      state = this.dfa.next(state, b);
      count += isLead(b) ? 1 : 0;
      pair = this.#pair(state, count);
    }
  }
}

const tables = new WeakMap<ByteDfa, Map<string, CompletionTable>>();

/** The table for `dfa` under the limits, built once. Throws RangeError past MAX_PAIRS. */
export function completionTable(dfa: ByteDfa, minLength: number, maxLength: number): CompletionTable {
  let byLimits = tables.get(dfa);
  if (byLimits === undefined) tables.set(dfa, (byLimits = new Map()));
  const key = `${minLength}:${maxLength}`;
  let table = byLimits.get(key);
  if (table === undefined) byLimits.set(key, (table = new CompletionTable(dfa, minLength, maxLength)));
  return table;
}
