// Deterministic automata over bytes: the subset construction from a ByteNfa, Hopcroft's
// minimisation, and intersection (a format and a pattern on one string). Every state can still
// reach acceptance: a byte with no way on leads to -1, so a grammar stepping one never dead-ends.
import { type ByteNfa } from './regex-nfa.ts';
import { RegexRefusal } from './regex-parser.ts';

/** States beyond this (while building, and once minimal) make a pattern refused. */
const textEncoder = new TextEncoder();

export const MAX_DFA_STATES = 5_000;

export class ByteDfa {
  /** `table[state * 256 + b]`: the next state or -1. */
  readonly table: Int32Array;
  readonly accepts: Uint8Array;
  readonly start = 0;

  constructor(table: Int32Array, accepts: Uint8Array) {
    this.table = table;
    this.accepts = accepts;
  }

  get size(): number {
    return this.accepts.length;
  }

  next(state: number, b: number): number {
    return this.table[state * 256 + b]!;
  }

  accepting(state: number): boolean {
    return this.accepts[state] === 1;
  }

  /** Whether the automaton accepts `text` (its UTF-8), as a property name is matched. */
  acceptsText(text: string): boolean {
    let state = this.start;
    for (const b of textEncoder.encode(text)) {
      state = this.next(state, b);
      if (state < 0) return false;
    }
    return this.accepting(state);
  }
}

/** The minimal DFA of `nfa`'s language. Throws RegexRefusal past MAX_DFA_STATES, or when the
 * language is empty. */
export function determinize(nfa: ByteNfa): ByteDfa {
  const intervals = byteIntervals(nfa);
  const keys = new Map<string, number>();
  const sets: number[][] = [];
  const accepts: number[] = [];
  const rows: Int32Array[] = [];
  const intern = (set: number[], initial: boolean): number => {
    const key = (initial ? '^' : '') + set.join(',');
    let id = keys.get(key);
    if (id === undefined) {
      if (sets.length >= MAX_DFA_STATES * 4) throw new RegexRefusal(`the pattern needs more than ${MAX_DFA_STATES} automaton states`);
      id = sets.length;
      keys.set(key, id);
      sets.push(set);
      accepts.push(closure(nfa, set, initial, true).includes(nfa.accept) ? 1 : 0);
    }
    return id;
  };
  intern(closure(nfa, [nfa.start], true, false), true);
  for (let id = 0; id < sets.length; id++) {
    const row = new Int32Array(256).fill(-1);
    const buckets = intervals.starts.map((): number[] => []);
    for (const s of sets[id]!) {
      const edges = nfa.bytes[s]!;
      for (let e = 0; e < edges.length; e += 3) {
        for (let k = intervals.of[edges[e]!]!; k <= intervals.of[edges[e + 1]!]!; k++) buckets[k]!.push(edges[e + 2]!);
      }
    }
    buckets.forEach((targets, k) => {
      if (targets.length === 0) return;
      const to = intern(closure(nfa, targets, false, false), false);
      row.fill(to, intervals.starts[k]!, intervals.starts[k + 1] ?? 256);
    });
    rows.push(row);
  }
  const table = new Int32Array(rows.length * 256);
  rows.forEach((row, id) => table.set(row, id * 256));
  return minimize(table, Uint8Array.from(accepts));
}

/** The DFA of the strings both accept. */
export function intersect(a: ByteDfa, b: ByteDfa): ByteDfa {
  const ids = new Map<number, number>();
  const pairs: number[] = [];
  const intern = (x: number, y: number): number => {
    const key = x * b.size + y;
    let id = ids.get(key);
    if (id === undefined) {
      if (pairs.length / 2 >= MAX_DFA_STATES * 4) throw new RegexRefusal(`the intersection needs more than ${MAX_DFA_STATES} automaton states`);
      id = pairs.length / 2;
      ids.set(key, id);
      pairs.push(x, y);
    }
    return id;
  };
  intern(a.start, b.start);
  const rows: Int32Array[] = [];
  for (let id = 0; id < pairs.length / 2; id++) {
    const [x, y] = [pairs[2 * id]!, pairs[2 * id + 1]!];
    const row = new Int32Array(256).fill(-1);
    for (let byte = 0; byte < 256; byte++) {
      const [nx, ny] = [a.next(x, byte), b.next(y, byte)];
      if (nx >= 0 && ny >= 0) row[byte] = intern(nx, ny);
    }
    rows.push(row);
  }
  const table = new Int32Array(rows.length * 256);
  rows.forEach((row, id) => table.set(row, id * 256));
  const accepts = Uint8Array.from(rows, (_, id) => (a.accepting(pairs[2 * id]!) && b.accepting(pairs[2 * id + 1]!) ? 1 : 0));
  return minimize(table, accepts);
}

/** The byte values cut into runs that every NFA edge either covers or misses: `of[b]` is b's run,
 * `starts[k]` run k's first byte. */
function byteIntervals(nfa: ByteNfa): { of: Uint16Array; starts: number[] } {
  const cut = new Uint8Array(257);
  cut[0] = 1;
  for (const edges of nfa.bytes) {
    for (let e = 0; e < edges.length; e += 3) {
      cut[edges[e]!] = 1;
      cut[edges[e + 1]! + 1] = 1;
    }
  }
  const of = new Uint16Array(256);
  const starts: number[] = [];
  for (let b = 0; b < 256; b++) {
    if (cut[b]) starts.push(b);
    of[b] = starts.length - 1;
  }
  return { of, starts };
}

/** The states reachable from `from` without reading a byte: across ^-edges at the input's start
 * and $-edges at its end. Sorted. */
function closure(nfa: ByteNfa, from: readonly number[], atStart: boolean, atEnd: boolean): number[] {
  const seen = new Set<number>(from);
  const stack = [...from];
  while (stack.length > 0) {
    const s = stack.pop()!;
    const lists = [nfa.eps[s]!, atStart ? nfa.atStart[s]! : [], atEnd ? nfa.atEnd[s]! : []];
    for (const list of lists) {
      for (const t of list) {
        if (seen.has(t)) continue;
        seen.add(t);
        stack.push(t);
      }
    }
  }
  return [...seen].sort((x, y) => x - y);
}

/** Drops the states that cannot reach acceptance, merges equivalent ones (Hopcroft), and numbers
 * the rest from the start state (0) in breadth-first order. */
function minimize(table: Int32Array, accepts: Uint8Array): ByteDfa {
  const n = accepts.length;
  const live = coReachable(table, accepts);
  if (!live[0]) throw new RegexRefusal('the pattern matches no string');
  // State n stands for "no way on" (and for the states that cannot accept).
  const dead = n;
  const target = (s: number, b: number): number => {
    if (s === dead) return dead;
    const t = table[s * 256 + b]!;
    return t < 0 || !live[t] ? dead : t;
  };
  const symbols = byteClasses(n, target);
  const blockOf = new Int32Array(n + 1);
  const blocks: number[][] = [[], []];
  for (let s = 0; s <= n; s++) {
    const block = s < n && live[s] && accepts[s] ? 1 : 0;
    blockOf[s] = block;
    blocks[block]!.push(s);
  }
  const reverse = reverseEdges(n + 1, symbols, target);
  const pending = new Set<number>([0, 1].filter((block) => blocks[block]!.length > 0));
  const stamp = new Int32Array(n + 1);
  let round = 0;
  while (pending.size > 0) {
    const splitter = pending.values().next().value!;
    pending.delete(splitter);
    const members = [...blocks[splitter]!];
    for (let k = 0; k < symbols.length; k++) {
      round++;
      const hit = new Map<number, number[]>();
      for (const t of members) {
        for (const s of reverse[t * symbols.length + k] ?? []) {
          if (stamp[s] === round) continue;
          stamp[s] = round;
          const block = blockOf[s]!;
          let list = hit.get(block);
          if (list === undefined) hit.set(block, (list = []));
          list.push(s);
        }
      }
      for (const [block, inside] of hit) {
        if (inside.length === blocks[block]!.length) continue;
        const outside = blocks[block]!.filter((s) => stamp[s] !== round);
        const fresh = blocks.length;
        blocks[block] = outside;
        blocks.push(inside);
        for (const s of inside) blockOf[s] = fresh;
        if (pending.has(block)) pending.add(fresh);
        else pending.add(inside.length <= outside.length ? fresh : block);
      }
    }
  }
  return renumber(target, blockOf, accepts, dead);
}

/** One representative byte per class of bytes that every state treats alike. */
function byteClasses(n: number, target: (s: number, b: number) => number): number[] {
  let classOf = new Int32Array(256);
  for (let s = 0; s < n; s++) {
    const ids = new Map<number, number>();
    const next = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const key = classOf[b]! * (n + 1) + target(s, b);
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      next[b] = id;
    }
    classOf = next;
  }
  const seen = new Set<number>();
  return [...classOf.keys()].filter((b) => !seen.has(classOf[b]!) && seen.add(classOf[b]!));
}

function coReachable(table: Int32Array, accepts: Uint8Array): Uint8Array {
  const n = accepts.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) {
    for (let b = 0; b < 256; b++) {
      const t = table[s * 256 + b]!;
      if (t >= 0) preds[t]!.push(s);
    }
  }
  const live = Uint8Array.from(accepts);
  const stack = [...live.keys()].filter((s) => live[s]);
  while (stack.length > 0) {
    for (const p of preds[stack.pop()!]!) {
      if (!live[p]) {
        live[p] = 1;
        stack.push(p);
      }
    }
  }
  return live;
}

/** Per (state t, symbol k) at t * symbols + k: the states whose symbol k leads to t. */
function reverseEdges(n: number, symbols: readonly number[], target: (s: number, b: number) => number): number[][] {
  const lists: number[][] = [];
  for (let s = 0; s < n; s++) {
    symbols.forEach((b, k) => (lists[target(s, b) * symbols.length + k] ??= []).push(s));
  }
  return lists;
}

function renumber(target: (s: number, b: number) => number, blockOf: Int32Array, accepts: Uint8Array, dead: number): ByteDfa {
  const deadBlock = blockOf[dead]!;
  const idOf = new Map<number, number>([[blockOf[0]!, 0]]);
  const representatives = [0];
  const rows: number[] = [];
  for (let id = 0; id < representatives.length; id++) {
    const s = representatives[id]!;
    for (let b = 0; b < 256; b++) {
      const block = blockOf[target(s, b)]!;
      if (block === deadBlock) {
        rows.push(-1);
        continue;
      }
      let to = idOf.get(block);
      if (to === undefined) {
        to = representatives.length;
        idOf.set(block, to);
        representatives.push(target(s, b));
      }
      rows.push(to);
    }
  }
  if (representatives.length > MAX_DFA_STATES) throw new RegexRefusal(`the pattern needs more than ${MAX_DFA_STATES} automaton states`);
  return new ByteDfa(Int32Array.from(rows), Uint8Array.from(representatives, (s) => accepts[s]!));
}
