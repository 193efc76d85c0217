// Memory of a browser while a load runs: the resident memory of all its processes (from /proc,
// Linux) and each worker's V8 heap and ArrayBuffer backing stores (wasm heaps among them, through
// DevTools on every worker target, stage workers included), sampled until stopped; peaks kept.
import { readdirSync, readFileSync } from 'node:fs';
import type { CDPSession } from '@playwright/test';
import { attachWorker, type WorkerHeap } from '../bench/worker-heap.ts';

export interface MemoryPeaks {
  /** All Chromium processes together. */
  rssBytes: number;
  /** The largest single worker's JS heap, and its wasm/ArrayBuffer backing stores. */
  workerHeapBytes: number;
  workerBackingBytes: number;
  workers: number;
}

function chromiumRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/i.test(cmd.split('\0')[0] ?? '')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

export function sampleMemory(cdp: CDPSession, intervalMs = 500): { stop: () => Promise<MemoryPeaks> } {
  const peaks: MemoryPeaks = { rssBytes: 0, workerHeapBytes: 0, workerBackingBytes: 0, workers: 0 };
  const attached = new Map<string, WorkerHeap | null>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
      for (const t of targetInfos) {
        if (t.type !== 'worker' || attached.has(t.targetId) || !/engine\.worker|stage\.worker/.test(t.url)) continue;
        attached.set(t.targetId, null);
        attached.set(t.targetId, await attachWorker(cdp, t.targetId).catch(() => null));
      }
      for (const heap of attached.values()) {
        const usage = heap ? await heap.heapUsage() : null;
        if (!usage) continue;
        peaks.workerHeapBytes = Math.max(peaks.workerHeapBytes, usage.heapUsed);
        peaks.workerBackingBytes = Math.max(peaks.workerBackingBytes, usage.backingStore);
      }
      peaks.workers = Math.max(peaks.workers, attached.size);
      peaks.rssBytes = Math.max(peaks.rssBytes, chromiumRss());
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peaks;
    },
  };
}
