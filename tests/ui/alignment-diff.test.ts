// The diff's categories and shares, the join of the two models' scores, grouping into whole
// characters, the export's shape, and how a token reads in the details.
import { describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../src/lib/services/engine-client.ts';
import { alignmentDiff, diffSegments, shiftCategory, summarize } from '../../src/lib/utils/alignment-diff.ts';
import { diffExport } from '../../src/lib/utils/diff-export.ts';
import { formatProbability, visibleToken } from '../../src/lib/utils/token-display.ts';
import type { TokenScore } from '../../workers/protocol/messages.ts';

const token = (id: number, text: string, rank: number, probability = 0.5): TokenScore => ({ id, text, rank, probability, top: [{ id: 9, text: 'x', probability: 0.6 }] });
const scores = (tokens: TokenScore[], promptIds = [1, 2, 3]): ScoreResult => ({ promptIds, tokens, durationMs: 1 });

describe('alignment diff', () => {
  it('puts rank 1 in unshifted, 2-3 in marginal, the rest in shifted', () => {
    expect([1, 2, 3, 4, 151936].map(shiftCategory)).toEqual(['unshifted', 'marginal', 'marginal', 'shifted', 'shifted']);
  });

  it('gives counts and shares of all tokens', () => {
    expect(summarize([1, 1, 2, 7])).toEqual({ tokens: 4, counts: { unshifted: 2, marginal: 1, shifted: 1 }, percent: { unshifted: 50, marginal: 25, shifted: 25 } });
    expect(summarize([]).percent).toEqual({ unshifted: 0, marginal: 0, shifted: 0 });
  });

  it('joins the base ranks with the chat model\'s own probabilities, and refuses mismatched inputs', () => {
    const base = scores([token(10, 'Hi', 1, 0.3), token(11, '!', 5, 0.01)]);
    const chat = scores([token(10, 'Hi', 1, 0.9), token(11, '!', 1, 0.8)]);
    const diff = alignmentDiff(base, chat);
    expect(diff.tokens.map((t) => [t.category, t.baseRank, t.baseProbability, t.chatProbability])).toEqual([
      ['unshifted', 1, 0.3, 0.9],
      ['shifted', 5, 0.01, 0.8],
    ]);
    expect(diff.summary.percent.shifted).toBe(50);
    expect(() => alignmentDiff(base, scores(chat.tokens, [1, 2]))).toThrow(/different prompts/);
    expect(() => alignmentDiff(base, scores([chat.tokens[0]!]))).toThrow(/different answers/);
  });

  it('groups a character split over tokens, with the worst rank of its tokens', () => {
    const diff = alignmentDiff(scores([token(1, 'A', 1), token(2, '', 1), token(3, '语', 2), token(4, '', 9)]), scores([token(1, 'A', 1), token(2, '', 1), token(3, '语', 1), token(4, '', 1)]));
    expect(diffSegments(diff.tokens).map((s) => [s.start, s.text, s.tokens.length, s.rank, s.category])).toEqual([
      [0, 'A', 1, 1, 'unshifted'],
      [1, '语', 2, 2, 'marginal'],
      [3, '', 1, 9, 'shifted'],
    ]);
  });

  it('exports what was compared and every token', () => {
    const diff = alignmentDiff(scores([token(10, 'Hi', 2)]), scores([token(10, 'Hi', 1)]));
    const context = { models: { base: 'b', chat: 'c' }, question: 'q', baseFormat: 'urial' as const, sampling: { temperature: 0 } };
    const file = diffExport(diff, context, new Date(Date.UTC(2026, 0, 2)));
    expect(file).toMatchObject({ format: 'qwen-local-alignment-diff', version: 1, exportedAt: '2026-01-02T00:00:00.000Z', ...context, promptIds: [1, 2, 3] });
    expect(file.tokens[0]).toMatchObject({ id: 10, text: 'Hi', category: 'marginal', baseRank: 2, chatRank: 1 });
    expect(JSON.parse(JSON.stringify(file))).toEqual(file);
  });
});

describe('token display', () => {
  it('shows whitespace and empty tokens, and tiny probabilities in exponent form', () => {
    expect(visibleToken(' the\n\tx')).toBe('␣the↵⇥x');
    expect(visibleToken('')).toBe('∅');
    expect([0.5, 0.0123, 0.001, 0.000456, 0].map(formatProbability)).toEqual(['50.0%', '1.2%', '0.1%', '4.6e-4', '0']);
  });
});
