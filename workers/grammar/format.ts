// Strings with a `format` (date, time, date-time, uuid, email): the format's machine runs on
// the characters between the quotes. A maxLength is enforced by keeping room for the shortest
// completion; the compiler only lets other length limits through when they cannot bind.
import { byte, emit, Frame, type GrammarNode, type TokenRun, writeAscii } from './frame.ts';
import type { FormatMachine } from './formats.ts';

const QUOTE = byte('"');

export class FormatNode implements GrammarNode {
  readonly machine: FormatMachine;
  readonly maxLength: number;
  readonly shortest: number;

  constructor(machine: FormatMachine, maxLength = Infinity) {
    this.machine = machine;
    this.maxLength = maxLength;
    const length = machine.finish(machine.initial).length;
    this.shortest = length <= maxLength ? length + 2 : Infinity;
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    out.push(QUOTE);
    writeAscii(out, this.machine.finish(this.machine.initial));
    out.push(QUOTE);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === QUOTE) out.push(new FormatFrame(this, this.machine.initial, 0, next));
  }
}

class FormatFrame extends Frame {
  readonly node: FormatNode;
  readonly state: string;
  readonly count: number;

  constructor(node: FormatNode, state: string, count: number, next: Frame | null) {
    super(next);
    this.node = node;
    this.state = state;
    this.count = count;
  }

  step(b: number, out: Frame[]): void {
    const { machine, maxLength } = this.node;
    if (b === QUOTE) {
      if (machine.done(this.state)) emit(out, this.next!);
      return;
    }
    if (b >= 0x80) return;
    const state = machine.step(this.state, String.fromCharCode(b));
    if (state !== null && this.count + 1 + machine.finish(state).length <= maxLength) {
      out.push(new FormatFrame(this.node, state, this.count + 1, this.next));
    }
  }

  protected ownCost(): number {
    return this.node.machine.finish(this.state).length + 1;
  }

  writeOwnClosing(out: number[]): void {
    writeAscii(out, this.node.machine.finish(this.state));
    out.push(QUOTE);
  }

  override tokenRun(): TokenRun | null {
    const { machine, maxLength } = this.node;
    const table = machine.table;
    if (table === undefined) return null;
    const tail = this.next!.cost;
    return {
      kind: 'table',
      table,
      state: table.states.indexOf(this.state),
      after: (end) => {
        const left = machine.finish(table.states[end]!).length;
        return { cost: left + 1 + tail, room: maxLength - this.count - left };
      },
    };
  }
}
