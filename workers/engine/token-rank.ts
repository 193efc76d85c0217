// One logits row read for teacher forcing and for /v1 logprobs: the rank and log-probability
// of one token, and the row's top candidates. Two passes over the row and a short sorted list,
// so a 151,936-entry row costs no sort and no copy. The one log-softmax of the engine.

export interface RowLogprobs {
  /** 1 + the number of entries with a strictly greater logit: ties share the better rank. */
  rank: number;
  /** log-softmax at temperature 1. */
  logprob: number;
  top: { id: number; logprob: number }[];
}

export interface RowScore {
  rank: number;
  probability: number;
  top: { id: number; probability: number }[];
}

const TOP_CANDIDATES = 5;

/** Reads `target` in `row` (one position's logits, as the model gave them) and the `topCount` best entries. */
export function rowLogprobs(row: Float32Array, target: number, topCount: number): RowLogprobs {
  if (!(target >= 0 && target < row.length)) throw new RangeError(`token ${target} is outside the ${row.length}-entry vocabulary`);
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  const targetLogit = row[target]!;
  let sum = 0;
  let greater = 0;
  // Best first; an entry must beat the last kept one strictly, so equal logits keep the lower id.
  const topIds: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const logit = row[i]!;
    sum += Math.exp(logit - max);
    if (logit > targetLogit) greater++;
    if (topIds.length < topCount || (topCount > 0 && logit > row[topIds[topIds.length - 1]!]!)) {
      let at = topIds.length;
      while (at > 0 && logit > row[topIds[at - 1]!]!) at--;
      topIds.splice(at, 0, i);
      if (topIds.length > topCount) topIds.pop();
    }
  }
  const logSum = max + Math.log(sum);
  return { rank: greater + 1, logprob: targetLogit - logSum, top: topIds.map((id) => ({ id, logprob: row[id]! - logSum })) };
}

/** Scores `target` in `row` as probabilities (the compare view's alignment diff). */
export function scoreRow(row: Float32Array, target: number, topCount = TOP_CANDIDATES): RowScore {
  const { rank, logprob, top } = rowLogprobs(row, target, topCount);
  return { rank, probability: Math.exp(logprob), top: top.map((c) => ({ id: c.id, probability: Math.exp(c.logprob) })) };
}
