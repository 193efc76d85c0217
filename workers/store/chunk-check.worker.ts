// Worker entry of the chunk check (chunk-check.ts): one request, its progress, then the checked
// Blobs or the error. The model's lock is held by the engine worker that asked.
import { toErrorShape } from '../protocol/errors.ts';
import { checkChunks, type CheckEvent, type CheckRequest } from './chunk-check.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: CheckEvent): void => scope.postMessage(event);
scope.onmessage = async ({ data: { model, files, source, origin } }: MessageEvent<CheckRequest>) => {
  try {
    const checked = await checkChunks(model, files, { source, origin, onProgress: (bytesDone, bytesTotal) => post({ kind: 'progress', bytesDone, bytesTotal }) });
    post({ kind: 'checked', ...checked });
  } catch (error) {
    post({ kind: 'error', error: toErrorShape(error) });
  }
};
