// The kernel bench page: puts a client for its worker on the page (window.kernelBench), one
// request at a time, for scripts/bench/kernel-bench.ts to drive.
import type { KernelReply, KernelRequest } from './kernels-protocol.ts';

const worker = new Worker(new URL('./kernels.worker.ts', import.meta.url), { type: 'module', name: 'kernel-bench' });

function call(request: KernelRequest): Promise<KernelReply> {
  return new Promise((resolve) => {
    worker.onmessage = (message: MessageEvent<KernelReply>) => resolve(message.data);
    worker.onerror = (event) => resolve({ kind: 'error', message: `worker error: ${event.message || 'the worker crashed'}` });
    worker.postMessage(request);
  });
}

(globalThis as unknown as { kernelBench: { call: typeof call } }).kernelBench = { call };
