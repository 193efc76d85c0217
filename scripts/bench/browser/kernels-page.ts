// The kernel bench page: puts a client for its worker on the page (window.kernelBench), for
// scripts/bench/kernel-bench.ts to drive.
import type { KernelReply, KernelRequest } from './kernels-protocol.ts';
import { workerClient } from './worker-client.ts';

const worker = new Worker(new URL('./kernels.worker.ts', import.meta.url), { type: 'module', name: 'kernel-bench' });

(globalThis as unknown as { kernelBench: { call: (request: KernelRequest) => Promise<KernelReply> } }).kernelBench = { call: workerClient<KernelRequest, KernelReply>(worker) };
