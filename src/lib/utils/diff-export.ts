// The alignment diff as a JSON file: what was compared (models, question, prompt format,
// sampling, the prompt's token ids) and every answer token with both models' figures.
import type { SamplingOptions } from '../../../workers/protocol/sampling-rules.ts';
import type { AlignmentDiff, DiffSummary, DiffToken } from './alignment-diff.ts';
import type { PromptFormat } from './compare-prompts.ts';

export interface DiffExportFile {
  format: 'qwen-local-alignment-diff';
  version: 1;
  exportedAt: string;
  models: { base: string; chat: string };
  question: string;
  /** The base pane's prompt format when the answers were made (the diff itself always reads the chat prompt). */
  baseFormat: PromptFormat;
  sampling: SamplingOptions;
  categories: { unshifted: 'rank 1'; marginal: 'rank 2-3'; shifted: 'rank > 3' };
  promptIds: number[];
  summary: DiffSummary;
  tokens: DiffToken[];
}

export interface DiffContext {
  models: { base: string; chat: string };
  question: string;
  baseFormat: PromptFormat;
  sampling: SamplingOptions;
}

export function diffExport(diff: AlignmentDiff, context: DiffContext, now = new Date()): DiffExportFile {
  return {
    format: 'qwen-local-alignment-diff',
    version: 1,
    exportedAt: now.toISOString(),
    ...context,
    categories: { unshifted: 'rank 1', marginal: 'rank 2-3', shifted: 'rank > 3' },
    promptIds: diff.promptIds,
    summary: diff.summary,
    tokens: diff.tokens,
  };
}
