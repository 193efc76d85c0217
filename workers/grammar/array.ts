// JSON arrays: prefixItems' nodes for the first items, `items` for the rest (or no more when
// it is false), and minItems/maxItems counted as items go by.
import { byte, COMPACT, emit, Frame, type GrammarNode, type Separators, ValueFrame } from './frame.ts';
import { afterSeparator, type LiteralNode, separatorNode } from './literal.ts';

export class ArrayNode implements GrammarNode {
  prefixItems: GrammarNode[];
  items: GrammarNode | null;
  readonly minItems: number;
  maxItems: number;
  readonly separator: Uint8Array;
  /** The separator as a literal the frames step through. */
  readonly gap: LiteralNode | null;
  shortest = Infinity;
  /** Bytes of `,` and the separator. */
  readonly #comma: number;
  /** Bytes of `,item` for the prefix items before each index (their running sum). */
  #prefixSums: number[] = [];

  constructor(prefixItems: GrammarNode[], items: GrammarNode | null, minItems = 0, maxItems = Infinity, separators: Separators = COMPACT) {
    this.prefixItems = prefixItems;
    this.items = items;
    this.minItems = minItems;
    this.maxItems = maxItems;
    this.separator = separators.item;
    this.gap = separatorNode(separators.item);
    this.#comma = 1 + this.separator.length;
  }

  itemAt(index: number): GrammarNode | null {
    return index < this.prefixItems.length ? this.prefixItems[index]! : this.items;
  }

  measure(): boolean {
    let shortest = 2 + this.#comma * Math.max(0, this.minItems - 1);
    for (let i = 0; i < this.minItems && shortest < Infinity; i++) {
      shortest += this.itemAt(i)?.shortest ?? Infinity;
      if (i >= this.prefixItems.length) {
        // The rest are all `items`.
        shortest += times(this.minItems - i - 1, this.items?.shortest ?? Infinity);
        break;
      }
    }
    if (!(shortest < this.shortest)) return false;
    this.shortest = shortest;
    return true;
  }

  prune(): void {
    // An item that can never finish ends the array before it.
    const stuck = this.prefixItems.findIndex((item) => item.shortest === Infinity);
    if (stuck >= 0) {
      this.prefixItems = this.prefixItems.slice(0, stuck);
      this.items = null;
    }
    if (this.items !== null && this.items.shortest === Infinity) this.items = null;
    if (this.items === null) this.maxItems = Math.min(this.maxItems, this.prefixItems.length);
    this.#prefixSums = [0];
    for (const item of this.prefixItems) this.#prefixSums.push(this.#prefixSums.at(-1)! + this.#comma + item.shortest);
  }

  writeShortest(out: number[]): void {
    out.push(byte('['));
    this.writeOpen(out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === byte('[')) out.push(new ArrayFrame(this, true, 0, next));
  }

  /** Shortest way to `]` after `count` items: a `,item` for each one still owed, then `]`. */
  afterCost(count: number): number {
    const owed = Math.max(0, this.minItems - count);
    if (owed === 0) return 1;
    const prefixEnd = Math.min(this.minItems, this.prefixItems.length);
    const fromPrefix = count < prefixEnd ? this.#prefixSums[prefixEnd]! - this.#prefixSums[count]! : 0;
    const fromItems = times(this.minItems - Math.max(count, prefixEnd), this.#comma + (this.items?.shortest ?? Infinity));
    return fromPrefix + fromItems + 1;
  }

  openCost(): number {
    return this.minItems === 0 ? 1 : this.afterCost(0) - 1;
  }

  writeOpen(out: number[]): void {
    for (let i = 0; i < this.minItems; i++) {
      if (i > 0) out.push(byte(','), ...this.separator);
      this.itemAt(i)!.writeShortest(out);
    }
    out.push(byte(']'));
  }

  writeAfter(count: number, out: number[]): void {
    for (let i = count; i < this.minItems; i++) {
      out.push(byte(','), ...this.separator);
      this.itemAt(i)!.writeShortest(out);
    }
    out.push(byte(']'));
  }
}

/** n copies of x, where none of an endless x is nothing. */
function times(n: number, x: number): number {
  return n > 0 ? n * x : 0;
}

/** After '[' (`open`), or after `count` items. */
class ArrayFrame extends Frame {
  readonly node: ArrayNode;
  readonly open: boolean;
  readonly count: number;

  constructor(node: ArrayNode, open: boolean, count: number, next: Frame | null) {
    super(next);
    this.node = node;
    this.open = open;
    this.count = count;
  }

  step(b: number, out: Frame[]): void {
    const { node, count } = this;
    if (b === byte(']')) {
      if (count >= node.minItems) emit(out, this.next!);
      return;
    }
    if (!this.open && b !== byte(',')) return;
    const item = count < node.maxItems ? node.itemAt(count) : null;
    if (item === null) return;
    const after = new ArrayFrame(node, false, count + 1, this.next);
    if (this.open) item.start(b, after, out);
    else out.push(afterSeparator(node.gap, new ValueFrame(item, after)));
  }

  protected ownCost(): number {
    return this.open ? this.node.openCost() : this.node.afterCost(this.count);
  }

  writeOwnClosing(out: number[]): void {
    if (this.open) this.node.writeOpen(out);
    else this.node.writeAfter(this.count, out);
  }
}
