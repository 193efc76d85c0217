// Teacher forcing: runs prompt + answer through the model as one prefill (in chunks) and scores
// each answer token against the logits of the position before it. Only answer positions'
// logits are asked for, a chunk's rows stay within the logits budget, and each row is reduced
// to a few numbers before the next chunk runs.
import { EngineError } from '../protocol/errors.ts';
import { scoreRow, type RowScore } from './token-rank.ts';

/** The model as teacher forcing drives it (the engine's Decoder and KV cache; a Node runner in tests). */
export interface ForcedModel {
  /** Tokens already fed (the KV cache's length). */
  readonly past: number;
  /** Tokens the next step may take; `allRows`: every one of them returns its logits. */
  chunkTokens(allRows: boolean): number;
  /** Feeds `ids` after the past ones; returns the logits of the last `rows` of them (rows x vocab). */
  step(ids: readonly number[], rows: number): Promise<Float32Array>;
}

/**
 * Scores `answer` after `prompt`, feeding from the model's `past` tokens on (a reused prefix,
 * which must be a prefix of `prompt` short of its last token). `isAborted` is checked between
 * chunks.
 */
export async function scoreAnswer(
  model: ForcedModel,
  prompt: readonly number[],
  answer: readonly number[],
  isAborted: () => boolean = () => false,
): Promise<RowScore[]> {
  if (prompt.length === 0 || answer.length === 0) throw new RangeError('teacher forcing needs a prompt and an answer');
  // The last answer token is only predicted, never fed.
  const fed = [...prompt, ...answer.slice(0, -1)];
  // Position p's logits predict fed[p + 1]: the answer's first token is predicted at the prompt's last.
  const firstScored = prompt.length - 1;
  if (model.past > firstScored) throw new RangeError(`${model.past} tokens already fed, but scoring starts at position ${firstScored}`);
  const scores: RowScore[] = [];
  while (model.past < fed.length) {
    if (isAborted()) throw new EngineError('aborted', 'The scoring was stopped.');
    const start = model.past;
    const scoring = start >= firstScored;
    // Up to the first scored position with one logits row, then every row.
    const end = Math.min(scoring ? fed.length : firstScored, start + model.chunkTokens(scoring));
    const ids = fed.slice(start, end);
    const logits = await model.step(ids, scoring ? ids.length : 1);
    if (!scoring) continue;
    const vocab = logits.length / ids.length;
    for (let row = 0; row < ids.length; row++) {
      scores.push(scoreRow(logits.subarray(row * vocab, (row + 1) * vocab), answer[start + row - firstScored]!));
    }
  }
  return scores;
}
