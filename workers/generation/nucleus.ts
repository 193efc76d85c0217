// Top-p (nucleus) cut for the sampler: the fewest most probable candidates whose weights reach
// a target, found by a weighted quickselect rather than a sort. Each round partitions around a
// pivot weight and keeps only the side holding the boundary: O(n) on average. Used on the top-k
// candidates and on the one gap bucket that vocabulary-candidates.ts leaves undecided.

// Below this many candidates an insertion sort is cheaper than another partition round.
const SORT_BELOW = 32;

/**
 * Reorders the parallel arrays ids/weights over [0, count) so the nucleus comes first and
 * returns its size: the shortest run of highest weights (ties: lower id first) whose sum reaches
 * `targetWeight`. All candidates when their total falls short; at least one when count > 0.
 */
export function keepNucleus(ids: Int32Array, weights: Float64Array, count: number, targetWeight: number): number {
  let lo = 0; // [0, lo) is kept
  let hi = count; // the boundary lies in [lo, hi)
  let keptWeight = 0; // of [0, lo), always below targetWeight
  while (hi - lo >= SORT_BELOW) {
    const pivot = medianOfThree(weights[lo]!, weights[(lo + hi) >>> 1]!, weights[hi - 1]!);
    // Three-way partition, heaviest first: [lo, above) > pivot, [above, below) = pivot, [below, hi) < pivot.
    let above = lo;
    let below = hi;
    let aboveWeight = 0;
    for (let at = lo; at < below; ) {
      const weight = weights[at]!;
      if (weight > pivot) {
        aboveWeight += weight;
        swap(ids, weights, at++, above++);
      } else if (weight < pivot) {
        swap(ids, weights, at, --below);
      } else {
        at++;
      }
    }
    if (keptWeight + aboveWeight >= targetWeight) {
      hi = above;
      continue;
    }
    keptWeight += aboveWeight;
    const equalWeight = pivot * (below - above);
    if (keptWeight + equalWeight >= targetWeight) {
      ids.subarray(above, below).sort(); // equal weights: only the ids need ordering
      return takeUntil(weights, above, below, keptWeight, targetWeight);
    }
    keptWeight += equalWeight;
    lo = below;
  }
  insertionSort(ids, weights, lo, hi);
  return takeUntil(weights, lo, hi, keptWeight, targetWeight);
}

// Index one past the first position in [from, to) where the running sum, starting from
// `keptWeight`, reaches `targetWeight`; `to` when it falls short (all kept, or rounding).
function takeUntil(weights: Float64Array, from: number, to: number, keptWeight: number, targetWeight: number): number {
  let sum = keptWeight;
  for (let at = from; at < to; at++) {
    sum += weights[at]!;
    if (sum >= targetWeight) return at + 1;
  }
  return to;
}

function medianOfThree(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : Math.max(a, c)) : a < c ? a : Math.max(b, c);
}

function swap(ids: Int32Array, weights: Float64Array, i: number, j: number): void {
  const id = ids[i]!;
  ids[i] = ids[j]!;
  ids[j] = id;
  const weight = weights[i]!;
  weights[i] = weights[j]!;
  weights[j] = weight;
}

function insertionSort(ids: Int32Array, weights: Float64Array, from: number, to: number): void {
  for (let at = from + 1; at < to; at++) {
    const id = ids[at]!;
    const weight = weights[at]!;
    let into = at;
    while (into > from && (weights[into - 1]! < weight || (weights[into - 1]! === weight && ids[into - 1]! > id))) {
      ids[into] = ids[into - 1]!;
      weights[into] = weights[into - 1]!;
      into--;
    }
    ids[into] = id;
    weights[into] = weight;
  }
}
