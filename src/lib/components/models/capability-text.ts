// The capability check's verdict in words, in the UI language: the catalog's note, the picker's
// short label, and why a model does not fit (also the question before such a download).
import type { Capability, NoFitReason } from '../../catalog/capability.ts';
import type { MessageKey } from '../../i18n/en.ts';
import { formatSize } from '../../utils/format.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;
type NoFit = Extract<Capability, { verdict: 'no' }>;

const REASON = {
  weights: 'model.noFitWeights',
  context: 'model.noFitContext',
  buffer: 'model.noFitBuffer',
  heap: 'model.noFitHeap',
  loading: 'model.noFitLoading',
} as const satisfies Record<NoFitReason, MessageKey>;

function tokens(count: number): string {
  return count.toLocaleString('en');
}

export function noFitReason(check: NoFit, t: Translate): string {
  return t(REASON[check.reason], {
    needed: formatSize(check.neededBytes),
    available: formatSize(check.availableBytes),
    tokens: tokens(check.contextTokens),
    stages: check.stages,
  });
}

/** The catalog's sentence: fits, fits with a shorter context, or does not fit and why. */
export function capabilityNote(check: Capability, t: Translate): string {
  if (check.verdict === 'no') return t('model.noFit', { reason: noFitReason(check, t) });
  return t(check.verdict === 'fits' ? 'model.fits' : 'model.fitsShorter', { tokens: tokens(check.contextTokens) });
}

/** The picker's few words after a model's name; nothing when it fits. */
export function capabilityLabel(check: Capability, t: Translate): string | null {
  if (check.verdict === 'no') return t('model.wontFit');
  return check.verdict === 'shorter' ? t('model.shorterLabel', { tokens: tokens(check.contextTokens) }) : null;
}
