// A bench page's client for its worker (worker-server.ts): one request at a time, each answered by the worker's
// next message; a worker that dies (out of memory) answers nothing else, so its error is the reply.

export type WorkerError = { kind: 'error'; message: string };

export function workerClient<Request, Reply>(worker: Worker): (request: Request) => Promise<Reply | WorkerError> {
  return (request) =>
    new Promise((resolve) => {
      worker.onmessage = (message: MessageEvent<Reply>) => resolve(message.data);
      worker.onerror = (event) => resolve({ kind: 'error', message: `worker error: ${event.message || 'the worker crashed'}` });
      worker.postMessage(request);
    });
}
