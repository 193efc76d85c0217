// Picks each next token: runs the logits processors, then argmax at temperature 0, or else a
// seeded draw after top-k, top-p and min-p in transformers' order (each renormalises over what
// the one before kept). It rewrites the caller's logits in place and reuses scratch buffers so a
// step over Qwen2.5's 151,936 logits costs a few milliseconds, with no full-vocabulary sort.
import { buildLogitsProcessors, type LogitsProcessor, type TokenContext } from './logits-processors/index.ts';
import { keepNucleus } from './nucleus.ts';
import { Random } from './random.ts';
import type { SamplingParams } from '../protocol/sampling-rules.ts';
import { selectTopK } from './top-k.ts';
import { gatherVocabularyCandidates } from './vocabulary-candidates.ts';

export interface Sampler {
  /** The next token id. Overwrites `logits` (penalties, temperature): pass a buffer you own. */
  sample(logits: Float32Array, context: TokenContext): number;
}

/** `params` in range (the engine checks each request with samplingProblems). `random` defaults to
 * one seeded with `params.seed` (random when absent); greedy decoding never draws from it. */
export function createSampler(params: SamplingParams, random?: Random): Sampler {
  const processors = buildLogitsProcessors(params);
  if (params.temperature === 0) {
    return {
      sample(logits, context) {
        for (const processor of processors) processor.apply(logits, context);
        return argmax(logits);
      },
    };
  }
  return new MultinomialSampler(params, processors, random ?? new Random(params.seed));
}

/** The id of the highest logit, the lowest id on ties. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  let bestLogit = -Infinity;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id]!;
    if (logit > bestLogit) {
      bestLogit = logit;
      best = id;
    }
  }
  if (best < 0) throw nothingToSample();
  return best;
}

function nothingToSample(): Error {
  return new Error('no token can be sampled: every logit is -Infinity or NaN');
}

class MultinomialSampler implements Sampler {
  readonly #params: SamplingParams;
  readonly #processors: readonly LogitsProcessor[];
  readonly #random: Random;
  // Candidates as parallel arrays (token id, weight), sized to the vocabulary on first use.
  #ids = new Int32Array(0);
  #weights = new Float64Array(0);

  constructor(params: SamplingParams, processors: readonly LogitsProcessor[], random: Random) {
    this.#params = params;
    this.#processors = processors;
    this.#random = random;
  }

  sample(logits: Float32Array, context: TokenContext): number {
    for (const processor of this.#processors) processor.apply(logits, context);
    if (this.#ids.length !== logits.length) {
      this.#ids = new Int32Array(logits.length);
      this.#weights = new Float64Array(logits.length);
    }
    const { top_k } = this.#params;
    const count =
      top_k > 0 && top_k < logits.length
        ? this.#gatherTopK(logits, top_k)
        : gatherVocabularyCandidates(logits, this.#params, this.#ids, this.#weights);
    if (count === 0) throw nothingToSample();
    return this.#draw(count);
  }

  // The top k and their weights, then min-p and top-p, whose share is of all k.
  #gatherTopK(logits: Float32Array, k: number): number {
    const ids = this.#ids;
    const weights = this.#weights;
    const found = selectTopK(logits, k, ids);
    let max = -Infinity;
    for (let at = 0; at < found; at++) max = Math.max(max, logits[ids[at]!]!);
    // Weights as exp(logit - max), the top token's 1; a +Infinity max (an fp16 overflow) weighs 1, the rest 0.
    let totalWeight = 0;
    for (let at = 0; at < found; at++) {
      const logit = logits[ids[at]!]!;
      totalWeight += weights[at] = logit === max ? 1 : Math.exp(logit - max);
    }
    let count = 0;
    for (let at = 0; at < found; at++) {
      const weight = weights[at]!;
      if (weight > 0 && weight >= this.#params.min_p) {
        ids[count] = ids[at]!;
        weights[count++] = weight;
      }
    }
    const { top_p } = this.#params;
    return top_p < 1 ? keepNucleus(ids, weights, count, top_p * totalWeight) : count;
  }

  #draw(count: number): number {
    const ids = this.#ids;
    const weights = this.#weights;
    let keptWeight = 0;
    for (let at = 0; at < count; at++) keptWeight += weights[at]!;
    let rest = this.#random.next() * keptWeight;
    for (let at = 0; at < count; at++) {
      rest -= weights[at]!;
      if (rest < 0) return ids[at]!;
    }
    return ids[count - 1]!; // rounding left `rest` a hair above zero
  }
}
