// A worker's V8 heap and ArrayBuffer backing stores (wasm memories among them), read through a
// DevTools session on the worker target (Playwright opens sessions on pages only), and a
// sampler that keeps the peaks while a benchmark runs.
import type { CDPSession } from '@playwright/test';

export interface HeapUsage {
  heapUsed: number;
  backingStore: number;
}

export interface WorkerHeap {
  /** null once the worker is gone (or stops answering). */
  heapUsage: () => Promise<HeapUsage | null>;
}

/** Worker targets alive now, to tell a page's new worker from those of earlier pages. */
export async function workerTargets(cdp: CDPSession): Promise<Set<string>> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string }[] };
  return new Set(targetInfos.filter((t) => t.type === 'worker').map((t) => t.targetId));
}

/** The first worker whose URL contains `urlPart` and is not in `except` (waits up to 10 s for it). */
export async function workerHeap(cdp: CDPSession, urlPart: string, except = new Set<string>()): Promise<WorkerHeap> {
  let targetId: string | undefined;
  for (let i = 0; i < 100 && !targetId; i++) {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
    targetId = targetInfos.find((t) => t.type === 'worker' && t.url.includes(urlPart) && !except.has(t.targetId))?.targetId;
    if (!targetId) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!targetId) throw new Error(`no worker ${urlPart} found`);
  return attachWorker(cdp, targetId);
}

/** Heap readings of the worker target `targetId`. */
export async function attachWorker(cdp: CDPSession, targetId: string): Promise<WorkerHeap> {
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string };
  let nextId = 1;
  const waiting = new Map<number, (result: Record<string, number>) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: Record<string, number> };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {});
  });
  return {
    heapUsage: () =>
      new Promise((resolve) => {
        const id = nextId++;
        const timer = setTimeout(() => resolve(null), 5000);
        waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve({ heapUsed: r['usedSize'] ?? 0, backingStore: r['backingStorageSize'] ?? 0 });
        });
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => {
          clearTimeout(timer);
          resolve(null);
        });
      }),
  };
}

/**
 * Every worker started since `except` was taken, read as one: heaps and backing stores summed
 * (the engine's, its stage workers', its check worker's). onnxruntime's em-pthread workers share
 * the wasm memory of the worker that started them, so are left out. Null once none is left.
 */
export function workersSince(cdp: CDPSession, except: Set<string>): WorkerHeap {
  const attached = new Map<string, Promise<WorkerHeap>>();
  return {
    heapUsage: async () => {
      // The browser closing under the sampler ends it.
      const targets = (await cdp.send('Target.getTargets').catch(() => null)) as { targetInfos: { targetId: string; type: string; title: string }[] } | null;
      if (!targets) return null;
      const { targetInfos } = targets;
      const live = targetInfos.filter((t) => t.type === 'worker' && !except.has(t.targetId) && !t.title.startsWith('em-pthread'));
      if (live.length === 0) return null;
      const usages = await Promise.all(
        live.map(async (t) => {
          // A worker that ended between the listing and the attach reads as nothing.
          if (!attached.has(t.targetId)) attached.set(t.targetId, attachWorker(cdp, t.targetId).catch(() => ({ heapUsage: async () => null })));
          return (await attached.get(t.targetId)!).heapUsage();
        }),
      );
      return usages.reduce<HeapUsage>((sum, u) => ({ heapUsed: sum.heapUsed + (u?.heapUsed ?? 0), backingStore: sum.backingStore + (u?.backingStore ?? 0) }), { heapUsed: 0, backingStore: 0 });
    },
  };
}

export interface HeapSampler {
  /** Peaks since the start or the last reset. */
  peaks: () => HeapUsage;
  reset: () => void;
  stop: () => Promise<void>;
}

/** Samples every `intervalMs` until stopped or the worker is gone. */
export function sampleHeap(worker: WorkerHeap, intervalMs = 100): HeapSampler {
  let peak: HeapUsage = { heapUsed: 0, backingStore: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const usage = await worker.heapUsage();
      if (!usage) return;
      peak = { heapUsed: Math.max(peak.heapUsed, usage.heapUsed), backingStore: Math.max(peak.backingStore, usage.backingStore) };
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    peaks: () => peak,
    reset: () => {
      peak = { heapUsed: 0, backingStore: 0 };
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
