// Fixed values: enum and const members, true, false and null, each as its JSON text, matched
// through a small trie of those texts.
import { emit, Frame, type GrammarNode, ValueFrame } from './frame.ts';

export class LiteralNode implements GrammarNode {
  readonly texts: readonly Uint8Array[];
  readonly shortest: number;
  /** Trie node -> byte -> child; node 0 is the root. */
  readonly #children: Map<number, number>[] = [new Map()];
  readonly #terminal: boolean[] = [false];
  /** Bytes from a trie node to the nearest end of a text, and the byte that starts that path. */
  readonly #rest: number[] = [];
  readonly #towards: number[] = [];

  constructor(texts: readonly Uint8Array[]) {
    this.texts = texts;
    for (const text of texts) {
      let at = 0;
      for (const b of text) {
        const children = this.#children[at]!;
        let child = children.get(b);
        if (child === undefined) {
          child = this.#children.length;
          children.set(b, child);
          this.#children.push(new Map());
          this.#terminal.push(false);
        }
        at = child;
      }
      this.#terminal[at] = true;
    }
    // Children come after their parents, so one backward pass settles every distance.
    for (let at = this.#children.length - 1; at >= 0; at--) {
      let rest = this.#terminal[at] ? 0 : Infinity;
      let towards = -1;
      for (const [b, child] of this.#children[at]!) {
        if (!this.#terminal[at] && this.#rest[child]! + 1 < rest) {
          rest = this.#rest[child]! + 1;
          towards = b;
        }
      }
      this.#rest[at] = rest;
      this.#towards[at] = towards;
    }
    this.shortest = this.#rest[0]!;
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    this.writeFrom(0, out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    this.advance(0, b, next, out);
  }

  /** The frames after byte `b` from trie node `at`. */
  advance(at: number, b: number, next: Frame, out: Frame[]): void {
    const child = this.#children[at]!.get(b);
    if (child === undefined) return;
    // A text that nothing extends ends right here; otherwise the frame waits for the next byte.
    if (this.#terminal[child] && this.#children[child]!.size === 0) emit(out, next);
    else out.push(new LiteralFrame(this, child, next));
  }

  isTerminal(at: number): boolean {
    return this.#terminal[at]!;
  }

  rest(at: number): number {
    return this.#rest[at]!;
  }

  writeFrom(at: number, out: number[]): void {
    for (let node = at; !this.#terminal[node]; ) {
      const b = this.#towards[node]!;
      out.push(b);
      node = this.#children[node]!.get(b)!;
    }
  }
}

class LiteralFrame extends Frame {
  readonly node: LiteralNode;
  readonly at: number;

  constructor(node: LiteralNode, at: number, next: Frame) {
    super(next);
    this.node = node;
    this.at = at;
  }

  step(b: number, out: Frame[]): void {
    this.node.advance(this.at, b, this.next!, out);
    if (this.canEnd()) this.next!.step(b, out);
  }

  override canEnd(): boolean {
    return this.node.isTerminal(this.at);
  }

  protected ownCost(): number {
    return this.node.rest(this.at);
  }

  writeOwnClosing(out: number[]): void {
    this.node.writeFrom(this.at, out);
  }
}

const separators = new WeakMap<Uint8Array, LiteralNode>();

/** The literal of a separator's bytes (one per separator), or null when it has none. */
export function separatorNode(bytes: Uint8Array): LiteralNode | null {
  if (bytes.length === 0) return null;
  let node = separators.get(bytes);
  if (node === undefined) {
    node = new LiteralNode([bytes]);
    separators.set(bytes, node);
  }
  return node;
}

/** `then`, after `separator`'s bytes when there is one. */
export function afterSeparator(separator: LiteralNode | null, then: Frame): Frame {
  return separator === null ? then : new ValueFrame(separator, then);
}
