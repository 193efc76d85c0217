// Strings whose content a byte DFA constrains (a `pattern`, a `format`, or both intersected), with
// length limits in code points. The JSON text between the quotes is decoded (escapes \" \\ \/ \b
// \f \n \r \t, and \u00XX for control characters, as JSON.stringify writes them) and the decoded
// UTF-8 bytes drive the DFA; the quote closes only in an accepting state with the count in range.
// Costs and closings come from completion-table.ts, which is exact for the (state, count) pair.
import type { ByteDfa } from './byte-dfa.ts';
import { type CompletionTable, completionTable, isLead } from './completion-table.ts';
import { type AutomatonRun, emit, Frame, type GrammarNode } from './frame.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What may follow a backslash, and the byte each spelling decodes to. */
const ESCAPES: readonly (readonly [string, number])[] = [
  ...Object.entries({ '"': 0x22, '\\': 0x5c, '/': 0x2f, b: 8, f: 12, n: 10, r: 13, t: 9 }),
  ...Array.from({ length: 32 }, (_, c) => c).flatMap((c) => {
    const hex = c.toString(16).padStart(2, '0');
    return [...new Set([hex, hex.toUpperCase()])].map((spelled) => [`u00${spelled}`, c] as const);
  }),
];

export class PatternStringNode implements GrammarNode {
  readonly table: CompletionTable;
  readonly shortest: number;

  /** Throws RangeError when the limits make too large a table (see completion-table.ts). */
  constructor(dfa: ByteDfa, minLength = 0, maxLength = Infinity) {
    this.table = completionTable(dfa, minLength, maxLength);
    this.shortest = this.table.cost(dfa.start, 0) + 2;
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    out.push(QUOTE);
    this.table.write(this.table.dfa.start, 0, out);
    out.push(QUOTE);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === QUOTE && this.shortest < Infinity) out.push(new PatternStringFrame(this, this.table.dfa.start, 0, null, next));
  }
}

/** Inside the quotes: the DFA state and code points so far, and after a backslash the escape's
 * text so far (else null). */
class PatternStringFrame extends Frame {
  readonly node: PatternStringNode;
  readonly state: number;
  readonly count: number;
  readonly escape: string | null;

  constructor(node: PatternStringNode, state: number, count: number, escape: string | null, next: Frame | null) {
    super(next);
    this.node = node;
    this.state = state;
    this.count = count;
    this.escape = escape;
  }

  step(b: number, out: Frame[]): void {
    if (this.escape === null) {
      if (b === QUOTE) {
        if (this.node.table.cost(this.state, this.count) === 0) emit(out, this.next!);
      } else if (b === BACKSLASH) {
        this.#push(this.state, this.count, '', out);
      } else if (b >= 0x20) {
        this.#feed(b, out);
      }
      return;
    }
    const escape = this.escape + String.fromCharCode(b);
    const decoded = ESCAPES.find(([spelled]) => spelled === escape);
    if (decoded !== undefined) this.#feed(decoded[1], out);
    else if (ESCAPES.some(([spelled]) => spelled.startsWith(escape))) this.#push(this.state, this.count, escape, out);
  }

  /** Goes on with decoded byte `b`. */
  #feed(b: number, out: Frame[]): void {
    const state = this.node.table.dfa.next(this.state, b);
    if (state >= 0) this.#push(state, this.count + (isLead(b) ? 1 : 0), null, out);
  }

  #push(state: number, count: number, escape: string | null, out: Frame[]): void {
    const frame = new PatternStringFrame(this.node, state, count, escape, this.next);
    if (frame.#contentCost() < Infinity) out.push(frame);
  }

  /** Content bytes of the cheapest way to finish, and the escape spelling it starts with. */
  #best(): { cost: number; rest: string } {
    const { table } = this.node;
    if (this.escape === null) return { cost: table.cost(this.state, this.count), rest: '' };
    let best = { cost: Infinity, rest: '' };
    for (const [spelled, b] of ESCAPES) {
      if (!spelled.startsWith(this.escape)) continue;
      const state = table.dfa.next(this.state, b);
      const after = state < 0 ? Infinity : table.cost(state, this.count + 1);
      const cost = spelled.length - this.escape.length + after;
      if (cost < best.cost) best = { cost, rest: spelled.slice(this.escape.length) };
    }
    return best;
  }

  #contentCost(): number {
    return this.#best().cost;
  }

  protected ownCost(): number {
    return this.#contentCost() + 1;
  }

  writeOwnClosing(out: number[]): void {
    const { table } = this.node;
    if (this.escape === null) {
      table.write(this.state, this.count, out);
    } else {
      const { rest } = this.#best();
      for (const c of rest) out.push(c.charCodeAt(0));
      const b = ESCAPES.find(([spelled]) => spelled === this.escape + rest)![1];
      table.write(table.dfa.next(this.state, b), this.count + 1, out);
    }
    out.push(QUOTE);
  }

  override tokenRun(): AutomatonRun | null {
    if (this.escape !== null) return null;
    const { table } = this.node;
    const tail = this.next!.cost + 1;
    const uniform = table.minLength === 0 && table.maxLength === Infinity;
    return {
      kind: 'automaton',
      dfa: table.dfa,
      state: this.state,
      uniform,
      // Without limits the count changes nothing: the walk depends on the state and what follows.
      sameWalkAs: uniform ? this.next : null,
      cost: (end, chars) => table.cost(end, this.count + chars) + tail,
    };
  }
}
