// Temperature scaling: logits divided by T, so T < 1 sharpens the distribution and T > 1
// flattens it. Temperature 0 is greedy decoding, which the sampler does without this step.
import type { LogitsProcessor } from './logits-processor.ts';

export class Temperature implements LogitsProcessor {
  readonly #temperature: number;

  constructor(temperature: number) {
    if (!(temperature > 0 && temperature < Infinity)) {
      throw new RangeError(`temperature must be > 0 here; greedy decoding skips it (got ${temperature})`);
    }
    this.#temperature = temperature;
  }

  apply(logits: Float32Array): void {
    const temperature = this.#temperature;
    for (let id = 0; id < logits.length; id++) logits[id]! /= temperature;
  }
}
