// Seedable uniform random numbers for one generation request (sfc32, 128-bit state). Each
// request owns its instance, so a `seed` reproduces its tokens no matter what runs alongside;
// without a seed the state comes from crypto.getRandomValues.

const UINT32_RANGE = 4294967296;

export class Random {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 1;

  /** `seed` is any safe integer (negative ones included); distinct seeds give distinct streams. */
  constructor(seed?: number) {
    if (seed === undefined) {
      const words = crypto.getRandomValues(new Uint32Array(2));
      this.#init(words[0]!, words[1]!);
    } else {
      if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer (got ${seed})`);
      this.#init(seed >>> 0, Math.floor(seed / UINT32_RANGE) >>> 0);
    }
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (((this.#c << 21) | (this.#c >>> 11)) + t) | 0;
    return (t >>> 0) / UINT32_RANGE;
  }

  // PractRand's seeding for a 64-bit seed: the discarded rounds mix the seed into every word.
  #init(low: number, high: number): void {
    this.#a = 0;
    this.#b = low | 0;
    this.#c = high | 0;
    this.#d = 1;
    for (let round = 0; round < 12; round++) this.next();
  }
}
