// The transformers.js bench page: puts a client for its worker on the page
// (window.transformersBench), one request at a time, for the engine bench to drive.
import type { PeerReply, PeerRequest } from './transformers-protocol.ts';

const worker = new Worker(new URL('./transformers.worker.ts', import.meta.url), { type: 'module', name: 'transformers-bench' });

function call(request: PeerRequest): Promise<PeerReply> {
  return new Promise((resolve) => {
    worker.onmessage = (message: MessageEvent<PeerReply>) => resolve(message.data);
    // A worker that dies (out of memory) answers nothing else.
    worker.onerror = (event) => resolve({ kind: 'error', message: `worker error: ${event.message || 'the worker crashed'}` });
    worker.postMessage(request);
  });
}

(globalThis as unknown as { transformersBench: { call: typeof call } }).transformersBench = { call };
