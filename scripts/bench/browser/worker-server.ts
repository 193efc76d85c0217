// A bench worker's side of worker-client.ts: each request handled in turn, its reply or its
// error posted back. onnxruntime-web starts its WASM threads from the same script (em-pthread):
// those are not ours and serve nothing.

export function serveRequests<Request, Reply>(handle: (request: Request) => Promise<Reply>): void {
  const scope = self as unknown as { name: string; onmessage: ((m: MessageEvent<Request>) => void) | null; postMessage: (reply: Reply | { kind: 'error'; message: string }) => void };
  if (scope.name.startsWith('em-pthread')) return;
  scope.onmessage = (message) => {
    handle(message.data).then(
      (reply) => scope.postMessage(reply),
      (error: unknown) => scope.postMessage({ kind: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  };
}
