// A set of tokens that all keep some kind of frame going whatever else they hold (plain string
// text, say), with each token's size (in characters) to honour length limits: the mask adds a
// whole class with a few bitset ORs instead of walking its tokens in the trie.

/** Sizes up to this get a ready bitset of the members up to that size. */
const CUMULATIVE_SIZES = 16;
/** Classes this small keep no bitset: setting their bits one by one is as quick. */
const SPARSE_COUNT = 2048;

export class TokenClass {
  /** Members as a bitset over token ids; null for a small class without `cumulative`. */
  readonly #bits: Uint32Array | null;
  readonly count: number;
  /** Member ids by size, and where each size starts in that list (sizes 0..max+1). */
  readonly #bySize: Int32Array;
  readonly #sizeStart: Int32Array;
  /** Members of size <= k, for k up to CUMULATIVE_SIZES. */
  readonly #upTo: Uint32Array[] = [];

  /** The members' ids (below `vocabularySize`) and sizes, in step. `cumulative`: keep bitsets
   * of the members up to each small size (for classes often cut by a maxLength). */
  constructor(vocabularySize: number, ids: readonly number[], sizes: readonly number[], cumulative = true) {
    const maxSize = sizes.reduce((max, size) => Math.max(max, size), 0);
    this.count = ids.length;
    this.#sizeStart = new Int32Array(maxSize + 2);
    for (const size of sizes) this.#sizeStart[size + 1]!++;
    for (let size = 1; size < this.#sizeStart.length; size++) this.#sizeStart[size]! += this.#sizeStart[size - 1]!;
    this.#bySize = new Int32Array(ids.length);
    const fill = this.#sizeStart.slice();
    ids.forEach((id, at) => (this.#bySize[fill[sizes[at]!]!++] = id));

    if (!cumulative && ids.length < SPARSE_COUNT) {
      this.#bits = null;
      return;
    }
    const bits = new Uint32Array((vocabularySize + 31) >>> 5);
    for (let size = 0; size <= maxSize; size++) {
      this.#setSizes(bits, size, size);
      if (cumulative && size <= CUMULATIVE_SIZES) this.#upTo.push(bits.slice());
    }
    this.#bits = bits;
  }

  get maxSize(): number {
    return this.#sizeStart.length - 2;
  }

  /** ORs into `mask` the members whose size is in lo..hi. */
  addSizes(mask: Uint32Array, lo: number, hi: number): void {
    const top = Math.min(hi, this.maxSize);
    if (lo > top) return;
    if (lo > 0 || this.#bits === null) {
      this.#setSizes(mask, lo, top);
      return;
    }
    const ready = top === this.maxSize ? this.#bits : this.#upTo[Math.min(top, this.#upTo.length - 1)];
    if (ready !== undefined) for (let word = 0; word < ready.length; word++) mask[word]! |= ready[word]!;
    const readyTo = ready === this.#bits ? top : this.#upTo.length - 1;
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
