// A value of any of several nodes (anyOf, oneOf, a list of types): every branch the first
// bytes allow stays alive side by side, as separate frame stacks in the matcher's state.
import type { Frame, GrammarNode } from './frame.ts';

export class UnionNode implements GrammarNode {
  options: GrammarNode[];
  shortest = Infinity;
  /** The option `shortest` came from; set only when it went down, so never a loop of unions. */
  #best: GrammarNode | null = null;

  constructor(options: GrammarNode[] = []) {
    this.options = options;
  }

  measure(): boolean {
    let changed = false;
    for (const option of this.options) {
      if (option.shortest < this.shortest) {
        this.shortest = option.shortest;
        this.#best = option;
        changed = true;
      }
    }
    return changed;
  }

  prune(): void {
    this.options = this.options.filter((option) => option.shortest < Infinity);
  }

  writeShortest(out: number[]): void {
    this.#best!.writeShortest(out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    for (const option of this.options) option.start(b, next, out);
  }
}
