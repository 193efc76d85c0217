// The independent reference for the alignment diff: one full pass of the original graph (no
// logits slice, no chunks) over prompt + answer on onnxruntime-node, and each answer token's
// rank counted, its top five found by sorting the whole row, its probability by log-sum-exp.
import type { ModelRunner } from './model-runner.ts';

export interface ReferenceScore {
  rank: number;
  probability: number;
  top: { id: number; probability: number }[];
  /** Other entries whose logit lies within `nearWithin` of the token's: where float noise could move its rank. */
  near: number;
}

export async function referenceScores(runner: ModelRunner, prompt: readonly number[], answer: readonly number[], nearWithin = 0): Promise<ReferenceScore[]> {
  const { logits, vocab } = await runner.forward([...prompt, ...answer.slice(0, -1)]);
  return answer.map((target, i) => {
    const row = Array.from(logits.subarray((prompt.length - 1 + i) * vocab, (prompt.length + i) * vocab));
    const logit = row[target]!;
    const max = row.reduce((m, x) => (x > m ? x : m), -Infinity);
    const logSum = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
    const order = row.map((_, id) => id).sort((a, b) => row[b]! - row[a]! || a - b);
    return {
      rank: row.filter((x) => x > logit).length + 1,
      probability: Math.exp(logit - logSum),
      top: order.slice(0, 5).map((id) => ({ id, probability: Math.exp(row[id]! - logSum) })),
      near: row.filter((x, id) => id !== target && Math.abs(x - logit) <= nearWithin).length,
    };
  });
}
