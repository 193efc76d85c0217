// A set of tokens that all keep some kind of frame going whatever else they hold (plain string
// text, say), with each token's size (in characters) to honour length limits: the mask adds a
// whole class with a few bitset ORs instead of walking its tokens in the trie.

/** Sizes up to this get a ready bitset of the members up to that size. */
const CUMULATIVE_SIZES = 16;

export class TokenClass {
  /** Members as a bitset over token ids. */
  readonly bits: Uint32Array;
  readonly count: number;
  /** Member ids by size, and where each size starts in that list (sizes 0..max+1). */
  readonly #bySize: Int32Array;
  readonly #sizeStart: Int32Array;
  /** Members of size <= k, for k up to CUMULATIVE_SIZES. */
  readonly #upTo: Uint32Array[] = [];

  /** `sizes[id]` is a member's size, or -1 for a token outside the class. `cumulative`: keep
   * bitsets of the members up to each small size (for classes often cut by a maxLength). */
  constructor(sizes: Int32Array, cumulative = true) {
    const words = (sizes.length + 31) >>> 5;
    let maxSize = 0;
    let count = 0;
    for (const size of sizes) {
      if (size < 0) continue;
      maxSize = Math.max(maxSize, size);
      count++;
    }
    this.count = count;
    this.#sizeStart = new Int32Array(maxSize + 2);
    for (const size of sizes) if (size >= 0) this.#sizeStart[size + 1]!++;
    for (let size = 1; size < this.#sizeStart.length; size++) this.#sizeStart[size]! += this.#sizeStart[size - 1]!;
    this.#bySize = new Int32Array(count);
    const fill = this.#sizeStart.slice();
    for (let id = 0; id < sizes.length; id++) if (sizes[id]! >= 0) this.#bySize[fill[sizes[id]!]!++] = id;

    this.bits = new Uint32Array(words);
    for (let size = 0; size <= maxSize; size++) {
      this.#setSizes(this.bits, size, size);
      if (cumulative && size <= CUMULATIVE_SIZES) this.#upTo.push(this.bits.slice());
    }
  }

  get maxSize(): number {
    return this.#sizeStart.length - 2;
  }

  /** ORs into `mask` the members whose size is in lo..hi. */
  addSizes(mask: Uint32Array, lo: number, hi: number): void {
    const top = Math.min(hi, this.maxSize);
    if (lo > top) return;
    if (lo > 0) {
      this.#setSizes(mask, lo, top);
      return;
    }
    const ready = top === this.maxSize ? this.bits : this.#upTo[Math.min(top, this.#upTo.length - 1)];
    if (ready !== undefined) for (let word = 0; word < ready.length; word++) mask[word]! |= ready[word]!;
    const readyTo = ready === this.bits ? top : this.#upTo.length - 1;
    if (top > readyTo) this.#setSizes(mask, readyTo + 1, top);
  }

  #setSizes(mask: Uint32Array, lo: number, hi: number): void {
    const end = this.#sizeStart[hi + 1]!;
    for (let at = this.#sizeStart[lo]!; at < end; at++) {
      const id = this.#bySize[at]!;
      mask[id >>> 5]! |= 1 << (id & 31);
    }
  }
}
