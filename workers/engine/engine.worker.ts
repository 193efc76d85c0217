// Worker entry: hands each request to the engine and posts its events back. Dispatch only.
// onnxruntime-web starts its WASM threads from this same script (named em-pthread); those
// messages belong to onnxruntime, so the engine only listens in the main worker.
import type { EngineEvent, EngineRequest } from '../protocol/messages.ts';
import { Engine } from './engine.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
if (!scope.name.startsWith('em-pthread')) {
  const engine = new Engine((event: EngineEvent) => scope.postMessage(event));
  scope.onmessage = (message: MessageEvent<EngineRequest>) => engine.handle(message.data);
}
