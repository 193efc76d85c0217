// A regex syntax tree (regex-parser.ts) as a nondeterministic automaton over UTF-8 bytes, built
// the Thompson way: each code point range becomes chains of byte ranges (utf8-ranges.ts), and ^
// and $ become edges that byte-dfa.ts crosses only at the start or at the end of the input. The
// pattern is unanchored, as JSON Schema's `pattern` is: any code points may come before and after.
import { ANY, type CodePointSet } from './code-points.ts';
import { RegexRefusal, type RegexNode } from './regex-parser.ts';
import { utf8Sequences } from './utf8-ranges.ts';

/** Above this many states the pattern is refused (counted repetition unrolls). */
const MAX_NFA_STATES = 200_000;

export class ByteNfa {
  /** Per state: plain ε-edges, ^-edges, $-edges, and byte edges as [lo, hi, to] triples. */
  readonly eps: number[][] = [];
  readonly atStart: number[][] = [];
  readonly atEnd: number[][] = [];
  readonly bytes: number[][] = [];
  readonly start: number;
  readonly accept: number;

  constructor(tree: RegexNode) {
    this.start = this.#state();
    const from = this.#state();
    const to = this.#state();
    this.accept = this.#state();
    this.#set(ANY, this.start, this.start);
    this.eps[this.start]!.push(from);
    this.#build(tree, from, to);
    this.eps[to]!.push(this.accept);
    this.#set(ANY, this.accept, this.accept);
  }

  #state(): number {
    if (this.eps.length >= MAX_NFA_STATES) throw new RegexRefusal('the pattern is too large (counted repetitions unroll)');
    this.eps.push([]);
    this.atStart.push([]);
    this.atEnd.push([]);
    this.bytes.push([]);
    return this.eps.length - 1;
  }

  /** Adds the paths from `from` to `to` that spell a match of `node`. */
  #build(node: RegexNode, from: number, to: number): void {
    switch (node.kind) {
      case 'set':
        this.#set(node.set, from, to);
        return;
      case 'start':
        this.atStart[from]!.push(to);
        return;
      case 'end':
        this.atEnd[from]!.push(to);
        return;
      case 'alt':
        for (const option of node.options) this.#build(option, from, to);
        return;
      case 'concat': {
        let at = from;
        node.items.forEach((item, i) => {
          const next = i === node.items.length - 1 ? to : this.#state();
          this.#build(item, at, next);
          at = next;
        });
        if (node.items.length === 0) this.eps[from]!.push(to);
        return;
      }
      case 'repeat':
        this.#repeat(node.body, node.min, node.max, from, to);
    }
  }

  #repeat(body: RegexNode, min: number, max: number, from: number, to: number): void {
    let at = from;
    for (let i = 0; i < min; i++) {
      const next = this.#state();
      this.#build(body, at, next);
      at = next;
    }
    if (max === Infinity) {
      const loop = this.#state();
      this.eps[at]!.push(loop);
      this.#build(body, loop, loop);
      this.eps[loop]!.push(to);
      return;
    }
    for (let i = min; i < max; i++) {
      const next = this.#state();
      this.eps[at]!.push(to);
      this.#build(body, at, next);
      at = next;
    }
    this.eps[at]!.push(to);
  }

  #set(set: CodePointSet, from: number, to: number): void {
    for (let i = 0; i < set.length; i += 2) {
      for (const sequence of utf8Sequences(set[i]!, set[i + 1]!)) {
        let at = from;
        sequence.forEach(([lo, hi], k) => {
          const next = k === sequence.length - 1 ? to : this.#state();
          this.bytes[at]!.push(lo, hi, next);
          at = next;
        });
      }
    }
  }
}
