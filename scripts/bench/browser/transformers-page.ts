// The transformers.js bench page: puts a client for its worker on the page
// (window.transformersBench), for the engine bench to drive.
import type { PeerReply, PeerRequest } from './transformers-protocol.ts';
import { workerClient } from './worker-client.ts';

const worker = new Worker(new URL('./transformers.worker.ts', import.meta.url), { type: 'module', name: 'transformers-bench' });

(globalThis as unknown as { transformersBench: { call: (request: PeerRequest) => Promise<PeerReply> } }).transformersBench = { call: workerClient<PeerRequest, PeerReply>(worker) };
