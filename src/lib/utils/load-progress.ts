// One line that says what a model load is doing, from its progress events.
import type { ProgressEvent } from '../../../workers/protocol/messages.ts';
import { formatBytes } from '../../../workers/store/quota.ts';

export function describeProgress(p: ProgressEvent): string {
  switch (p.phase) {
    case 'download': {
      const percent = p.totalBytes > 0 ? Math.floor((100 * p.totalDone) / p.totalBytes) : 0;
      const speed = p.bytesPerSecond !== null ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
      const eta = p.etaSeconds !== null ? ` · ${formatDuration(p.etaSeconds)} left` : '';
      return `Downloading ${p.file} · ${formatBytes(p.totalDone)} of ${formatBytes(p.totalBytes)} (${percent}%)${speed}${eta}`;
    }
    case 'verify':
      return `Checking the stored model · ${p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0}%`;
    case 'compile':
      return 'Preparing the model for this device…';
    case 'warmup':
      return 'Warming up (compiling GPU programs)…';
    default: {
      const never: never = p;
      return String(never);
    }
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
