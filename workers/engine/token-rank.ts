// One logits row read for teacher forcing: the rank and probability of the token that came
// next, and the row's top candidates. Two passes over the row and a five-slot list, so a
// 151,936-entry row costs no sort and no copy.

export interface RowScore {
  /** 1 + the number of entries with a strictly greater logit: ties share the better rank. */
  rank: number;
  probability: number;
  top: { id: number; probability: number }[];
}

const TOP_CANDIDATES = 5;

/** Scores `target` in `row` (one position's logits, temperature 1). */
export function scoreRow(row: Float32Array, target: number, topCount = TOP_CANDIDATES): RowScore {
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
    if (topIds.length < topCount || logit > row[topIds[topIds.length - 1]!]!) {
      let at = topIds.length;
      while (at > 0 && logit > row[topIds[at - 1]!]!) at--;
      topIds.splice(at, 0, i);
      if (topIds.length > topCount) topIds.pop();
    }
  }
  const probability = (id: number): number => Math.exp(row[id]! - max) / sum;
  return { rank: greater + 1, probability: probability(target), top: topIds.map((id) => ({ id, probability: probability(id) })) };
}
