// Download progress for the UI: bytes per file and for the whole model, speed over the last few
// seconds (so a stall shows at once), and the time left at that speed. Throttled: one report
// per interval, plus each file's end.
import type { DownloadProgress } from '../protocol/messages.ts';

const WINDOW_MS = 4000;

export class ProgressTracker {
  readonly #totalBytes: number;
  readonly #done = new Map<string, number>();
  readonly #samples: { at: number; total: number }[] = [];
  readonly #emit: (p: DownloadProgress) => void;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastEmit = -Infinity;

  constructor(totalBytes: number, emit: (p: DownloadProgress) => void, options: { intervalMs?: number; now?: () => number } = {}) {
    this.#totalBytes = totalBytes;
    this.#emit = emit;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? (() => performance.now());
  }

  get totalDone(): number {
    let total = 0;
    for (const bytes of this.#done.values()) total += bytes;
    return total;
  }

  /** Bytes already stored before this session count as done, not as speed. */
  seed(file: string, bytes: number): void {
    this.#done.set(file, bytes);
  }

  update(file: string, fileBytesDone: number, fileBytesTotal: number): void {
    this.#done.set(file, fileBytesDone);
    const now = this.#now();
    const total = this.totalDone;
    this.#samples.push({ at: now, total });
    while (this.#samples.length > 2 && now - this.#samples[0]!.at > WINDOW_MS) this.#samples.shift();
    const isEnd = fileBytesDone === fileBytesTotal;
    if (!isEnd && now - this.#lastEmit < this.#intervalMs) return;
    this.#lastEmit = now;
    const speed = this.#speed(now, total);
    const left = this.#totalBytes - total;
    this.#emit({
      file,
      fileBytesDone,
      fileBytesTotal,
      totalDone: total,
      totalBytes: this.#totalBytes,
      bytesPerSecond: speed,
      etaSeconds: speed && speed > 0 ? left / speed : left === 0 ? 0 : null,
    });
  }

  #speed(now: number, total: number): number | null {
    const first = this.#samples[0];
    if (!first || now - first.at < 250) return null;
    return ((total - first.total) * 1000) / (now - first.at);
  }
}
