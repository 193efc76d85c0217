// The sampler's candidates when top-k is off: every token's weight, then min-p and the top-p
// nucleus without a sort. A histogram of logit gaps below the maximum shows which gap bucket
// the nucleus ends in; tokens in earlier buckets are kept outright, so only that one bucket
// goes through keepNucleus, even when the nucleus is most of the vocabulary.
import { keepNucleus } from './nucleus.ts';

// 4,096 buckets over the gap range (capped: weights past e^-64 are beyond any top_p's reach),
// so a bucket holds a few dozen of Qwen2.5's 151,936 tokens even on flat logits.
const BUCKETS = 4096;
const LAST_BUCKET = BUCKETS - 1;
const GAP_SPAN_CAP = 64;

export interface CandidateCut {
  min_p: number;
  top_p: number;
}

/**
 * Writes the tokens that survive min-p and top-p into the parallel arrays ids/weights
 * (vocabulary-sized, in no particular order) and returns how many: 0 only when no logit is above
 * -Infinity. A weight is exp(logit - max): the top token weighs 1, so min-p compares directly.
 */
export function gatherVocabularyCandidates(
  logits: Float32Array,
  cut: CandidateCut,
  ids: Int32Array,
  weights: Float64Array,
): number {
  let max = -Infinity;
  let min = Infinity;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id]!;
    if (logit > max) max = logit;
    if (logit < min) min = logit;
  }
  if (max === -Infinity) return 0; // all -Infinity or NaN
  if (max === Infinity) return gatherInfinite(logits, cut.top_p, ids, weights);
  if (cut.top_p === 1) return gatherAboveMinP(logits, max, cut.min_p, ids, weights);
  return gatherNucleus(logits, max, Math.min(max - min, GAP_SPAN_CAP), cut, ids, weights);
}

function gatherAboveMinP(logits: Float32Array, max: number, minP: number, ids: Int32Array, weights: Float64Array): number {
  let count = 0;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id]!;
    if (!(logit > -Infinity)) continue;
    const weight = Math.exp(logit - max);
    if (weight > 0 && weight >= minP) {
      ids[count] = id;
      weights[count++] = weight;
    }
  }
  return count;
}

function gatherNucleus(
  logits: Float32Array,
  max: number,
  gapSpan: number,
  cut: CandidateCut,
  ids: Int32Array,
  weights: Float64Array,
): number {
  const scale = gapSpan > 0 ? LAST_BUCKET / gapSpan : 0;
  const bucketWeights = new Float64Array(BUCKETS);
  let totalWeight = 0;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id]!;
    if (!(logit > -Infinity)) {
      weights[id] = 0;
      continue;
    }
    const weight = Math.exp(logit - max);
    weights[id] = weight;
    totalWeight += weight;
    const gap = (max - logit) * scale;
    bucketWeights[gap < LAST_BUCKET ? gap | 0 : LAST_BUCKET]! += weight;
  }

  // The nucleus ends in bucket `last`; the buckets before it hold `weightBefore` in all.
  const target = cut.top_p * totalWeight;
  let last = 0;
  let weightBefore = 0;
  for (; last < LAST_BUCKET && weightBefore + bucketWeights[last]! < target; last++) {
    weightBefore += bucketWeights[last]!;
  }

  // Kept outright go to the front. The last bucket's ids go to the back, weighed again after
  // the loop: until then the back of `weights` still holds weights not yet read.
  let front = 0;
  let back = logits.length;
  for (let id = 0; id < logits.length; id++) {
    const weight = weights[id]!;
    if (!(weight > 0 && weight >= cut.min_p)) continue;
    const gap = (max - logits[id]!) * scale;
    const bucket = gap < LAST_BUCKET ? gap | 0 : LAST_BUCKET;
    if (bucket < last) {
      ids[front] = id;
      weights[front++] = weight;
    } else if (bucket === last) {
      ids[--back] = id;
    }
  }
  const edgeCount = logits.length - back;
  for (let at = back; at < logits.length; at++) weights[at] = Math.exp(logits[ids[at]!]! - max);
  const kept = keepNucleus(ids.subarray(back), weights.subarray(back), edgeCount, target - weightBefore);
  ids.copyWithin(front, back, back + kept);
  weights.copyWithin(front, back, back + kept);
  return front + kept;
}

// A +Infinity logit (an fp16 overflow) outweighs every finite one: the +Infinity tokens share
// the draw equally, top-p taking the lowest ids first.
function gatherInfinite(logits: Float32Array, topP: number, ids: Int32Array, weights: Float64Array): number {
  let count = 0;
  for (let id = 0; id < logits.length; id++) {
    if (logits[id] === Infinity) {
      ids[count] = id;
      weights[count++] = 1;
    }
  }
  return topP < 1 ? keepNucleus(ids, weights, count, topP * count) : count;
}
