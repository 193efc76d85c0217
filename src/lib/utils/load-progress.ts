// One line that says what a model load is doing, from its progress events, in the UI language.
import type { ProgressEvent } from '../../../workers/protocol/messages.ts';
import { formatSize } from './format.ts';
import type { MessageKey } from '../i18n/en.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function describeProgress(p: ProgressEvent, t: Translate): string {
  switch (p.phase) {
    case 'download': {
      const line = t('progress.download', { file: p.file, done: formatSize(p.totalDone), total: formatSize(p.totalBytes), percent: percent(p.totalDone, p.totalBytes) });
      const speed = p.bytesPerSecond !== null ? ` · ${t('progress.speed', { speed: formatSize(p.bytesPerSecond) })}` : '';
      const eta = p.etaSeconds !== null ? ` · ${t('progress.eta', { time: formatDuration(p.etaSeconds) })}` : '';
      return line + speed + eta;
    }
    case 'verify':
      return t('progress.verify', { percent: percent(p.bytesDone, p.bytesTotal) });
    case 'convert':
      return t('progress.convert', { size: formatSize(p.sourceBytes), percent: percent(p.partsDone, p.partsTotal) });
    case 'compile':
      return p.stage && p.stages ? t('progress.compileStage', { stage: p.stage, stages: p.stages }) : t('progress.compile');
    case 'warmup':
      return t('progress.warmup');
    default: {
      const never: never = p;
      return String(never);
    }
  }
}

function percent(done: number, total: number): number {
  return total > 0 ? Math.floor((100 * done) / total) : 0;
}

/** Units understood in both languages (s, min, h). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
