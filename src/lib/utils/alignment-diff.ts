// The alignment diff: the chat model's answer read by the base model token by token (teacher
// forcing). A token the base model also ranks first is unshifted, ranks 2-3 marginal, lower
// shifted: the token distribution shift of URIAL (Lin et al. 2023), who found 7.8% shifted
// tokens for Llama-2-7b -> chat. Built from the two models' score results; shown and exported.
import type { TokenCandidate } from '../../../workers/protocol/messages.ts';
import type { ScoreResult } from '../services/engine-client.ts';

export const SHIFT_CATEGORIES = ['unshifted', 'marginal', 'shifted'] as const;
export type ShiftCategory = (typeof SHIFT_CATEGORIES)[number];

export function shiftCategory(rank: number): ShiftCategory {
  return rank === 1 ? 'unshifted' : rank <= 3 ? 'marginal' : 'shifted';
}

export interface DiffToken {
  id: number;
  /** The text this token completes ('' for the first bytes of a split character). */
  text: string;
  category: ShiftCategory;
  baseRank: number;
  baseProbability: number;
  baseTop: TokenCandidate[];
  /** The chat model's probability of the token it chose (its rank, 1 under greedy decoding). */
  chatProbability: number;
  chatRank: number;
}

export interface DiffSummary {
  tokens: number;
  counts: Record<ShiftCategory, number>;
  /** Shares of all scored tokens, 0-100. */
  percent: Record<ShiftCategory, number>;
}

export interface AlignmentDiff {
  promptIds: number[];
  tokens: DiffToken[];
  summary: DiffSummary;
}

export function summarize(ranks: readonly number[]): DiffSummary {
  const counts: Record<ShiftCategory, number> = { unshifted: 0, marginal: 0, shifted: 0 };
  for (const rank of ranks) counts[shiftCategory(rank)]++;
  const share = (n: number): number => (ranks.length > 0 ? (100 * n) / ranks.length : 0);
  return { tokens: ranks.length, counts, percent: { unshifted: share(counts.unshifted), marginal: share(counts.marginal), shifted: share(counts.shifted) } };
}

/** Joins the base model's and the chat model's scores of the same answer after the same prompt. */
export function alignmentDiff(base: ScoreResult, chat: ScoreResult): AlignmentDiff {
  const sameIds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!sameIds(base.promptIds, chat.promptIds)) throw new Error('the two models read different prompts');
  if (!sameIds(base.tokens.map((t) => t.id), chat.tokens.map((t) => t.id))) throw new Error('the two models scored different answers');
  const tokens = base.tokens.map((b, i): DiffToken => {
    const c = chat.tokens[i]!;
    return { id: b.id, text: b.text, category: shiftCategory(b.rank), baseRank: b.rank, baseProbability: b.probability, baseTop: b.top, chatProbability: c.probability, chatRank: c.rank };
  });
  return { promptIds: base.promptIds, tokens, summary: summarize(tokens.map((t) => t.baseRank)) };
}

export interface DiffSegment {
  /** Index of the segment's first token. */
  start: number;
  text: string;
  tokens: DiffToken[];
  /** The worst base rank among its tokens, and its category. */
  rank: number;
  category: ShiftCategory;
}

/** Tokens grouped so each group shows whole characters: a token with no text of its own (a split
 * character's first bytes, a special token) goes with the next one. */
export function diffSegments(tokens: readonly DiffToken[]): DiffSegment[] {
  const segments: DiffSegment[] = [];
  let start = 0;
  tokens.forEach((token, i) => {
    if (token.text === '' && i < tokens.length - 1) return;
    const group = tokens.slice(start, i + 1);
    const rank = Math.max(...group.map((t) => t.baseRank));
    segments.push({ start, text: group.map((t) => t.text).join(''), tokens: group, rank, category: shiftCategory(rank) });
    start = i + 1;
  });
  return segments;
}
