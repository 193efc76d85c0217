// A byte trie over token texts in flat typed arrays (Qwen2.5's vocabulary makes ~330k nodes):
// the mask walks it depth first, stepping the automaton once per node, so tokens that share a
// prefix share the work, and a byte the grammar rejects cuts off its whole subtree.

export class TokenTrie {
  /** Per node: first child and next sibling (-1 for none), and the byte on the edge into it. */
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  readonly byte: Uint8Array;
  /** Per node: the first token spelled by it (-1 for none); per token id: the next such token. */
  readonly tokenHead: Int32Array;
  readonly tokenNext: Int32Array;

  /** `tokens`: [id, bytes] pairs with ids below `vocabularySize`. */
  constructor(tokens: Iterable<readonly [number, Uint8Array]>, vocabularySize: number) {
    const list = [...tokens];
    const capacity = 1 + list.reduce((sum, [, bytes]) => sum + bytes.length, 0);
    const firstChild = new Int32Array(capacity).fill(-1);
    const nextSibling = new Int32Array(capacity).fill(-1);
    const byte = new Uint8Array(capacity);
    const tokenHead = new Int32Array(capacity).fill(-1);
    this.tokenNext = new Int32Array(vocabularySize).fill(-1);
    // The root has the most children by far: find them through a table rather than a scan.
    const rootChild = new Int32Array(256).fill(-1);
    let count = 1;
    for (const [id, bytes] of list) {
      let node = 0;
      for (let at = 0; at < bytes.length; at++) {
        const b = bytes[at]!;
        let child = node === 0 ? rootChild[b]! : firstChild[node]!;
        if (node !== 0) while (child !== -1 && byte[child] !== b) child = nextSibling[child]!;
        if (child === -1) {
          child = count++;
          byte[child] = b;
          nextSibling[child] = firstChild[node]!;
          firstChild[node] = child;
          if (node === 0) rootChild[b] = child;
        }
        node = child;
      }
      this.tokenNext[id] = tokenHead[node]!;
      tokenHead[node] = id;
    }
    this.firstChild = firstChild.slice(0, count);
    this.nextSibling = nextSibling.slice(0, count);
    this.byte = byte.slice(0, count);
    this.tokenHead = tokenHead.slice(0, count);
  }

  get nodeCount(): number {
    return this.byte.length;
  }

  /** The child of `node` along byte `b`, or -1. */
  child(node: number, b: number): number {
    let child = this.firstChild[node]!;
    while (child !== -1 && this.byte[child] !== b) child = this.nextSibling[child]!;
    return child;
  }
}
