// Worker entry: hands each request to the engine (or, for the store and format checks, to
// side-requests.ts) and posts the events back. Dispatch only. onnxruntime-web starts its WASM
// threads from this same script (named em-pthread); those messages belong to onnxruntime, so the
// engine only listens in the main worker.
import { isSideRequest, type WorkerEvent, type WorkerRequest } from '../protocol/messages.ts';
import { Engine } from './engine.ts';
import { answerSideRequest } from './side-requests.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
if (!scope.name.startsWith('em-pthread')) {
  const post = (event: WorkerEvent): void => scope.postMessage(event);
  const engine = new Engine(post);
  scope.onmessage = (message: MessageEvent<WorkerRequest>) => {
    const request = message.data;
    if (isSideRequest(request)) void answerSideRequest(request, post);
    else engine.handle(request);
  };
}
