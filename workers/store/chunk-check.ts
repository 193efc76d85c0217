// The check of stored chunks against the SHA-256 recorded when each was downloaded: a damaged or
// missing chunk is fetched again (that chunk only, by Range) and checked against the same
// digest; bad bytes are never handed on as checked. checkChunks runs in the calling thread;
// checkInWorker runs it in a worker of its own (chunk-check.worker.ts), so a load's sessions
// are built on one core while the check reads and hashes on another.
import { EngineError, type EngineErrorShape } from '../protocol/errors.ts';
import { fileUrl, type ModelSource } from '../protocol/model-source.ts';
import { readInto } from './blob-read.ts';
import { chunkDigest } from './checksums.ts';
import { request, TransientError } from './http.ts';
import { deleteModel, getChunk, putChunk } from './idb.ts';
import type { StoredFile, StoredModel } from './records.ts';

/** Where a damaged chunk is fetched again: the source chosen now, which may not be the one downloaded from. */
export interface RepairSource {
  source: ModelSource;
  origin: string;
}

/** Checked files as ONNX external data: each file's path under onnx/ and a Blob of its checked chunks. */
export type CheckedData = { path: string; data: Blob }[];

/** Checks every chunk of `files`; `onProgress` gets the bytes checked of theirs. */
export type ChunkCheck = (
  model: StoredModel,
  files: StoredFile[],
  options: RepairSource & { onProgress?: (bytesDone: number, bytesTotal: number) => void },
) => Promise<{ data: CheckedData; repairedChunks: number }>;

export type CheckRequest = RepairSource & { model: StoredModel; files: StoredFile[] };

export type CheckEvent =
  | { kind: 'progress'; bytesDone: number; bytesTotal: number }
  | { kind: 'checked'; data: CheckedData; repairedChunks: number }
  | { kind: 'error'; error: EngineErrorShape };

export const dataPath = (file: StoredFile): string => file.path.slice('onnx/'.length);

export const checkChunks: ChunkCheck = async (model, files, options) => {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  // One buffer for every chunk: no chunk-sized garbage per chunk.
  const scratch = new Uint8Array(Math.min(model.chunkBytes, Math.max(0, ...files.map((f) => f.size))));
  let done = 0;
  let repairedChunks = 0;
  const data: CheckedData = [];
  for (const file of files) {
    const blobs: Blob[] = [];
    for (let index = 0; index < file.chunks.length; index++) {
      const length = Math.min(model.chunkBytes, file.size - index * model.chunkBytes);
      const checked = await checkedChunk(model, file, index, scratch.subarray(0, length), options);
      if (checked.repaired) repairedChunks++;
      blobs.push(checked.blob);
      done += length;
      options.onProgress?.(done, total);
    }
    data.push({ path: dataPath(file), data: new Blob(blobs) });
  }
  return { data, repairedChunks };
};

export const checkInWorker: ChunkCheck = (model, files, { source, origin, onProgress }) => {
  const worker = new Worker(new URL('./chunk-check.worker.ts', import.meta.url), { type: 'module', name: 'qwen-chunk-check' });
  return new Promise<{ data: CheckedData; repairedChunks: number }>((resolve, reject) => {
    worker.onmessage = ({ data: event }: MessageEvent<CheckEvent>) => {
      if (event.kind === 'progress') onProgress?.(event.bytesDone, event.bytesTotal);
      else if (event.kind === 'checked') resolve({ data: event.data, repairedChunks: event.repairedChunks });
      else reject(EngineError.from(event.error));
    };
    worker.onerror = (event) => reject(new EngineError('model_files_invalid', 'The check of the stored model files stopped unexpectedly. Load the model again.', { cause: event.message }));
    worker.postMessage({ model, files, source, origin } satisfies CheckRequest);
  }).finally(() => worker.terminate());
};

// Fills `target` with the chunk's checked bytes and returns the Blob that holds them.
export async function checkedChunk(model: StoredModel, file: StoredFile, index: number, target: Uint8Array, options: RepairSource): Promise<{ blob: Blob; repaired: boolean }> {
  const expected = file.chunks[index]!;
  const blob = await getChunk(model.key, file.path, index);
  if (blob && blob.size === target.byteLength) {
    await readInto(blob, target);
    if ((await chunkDigest(target)) === expected) return { blob, repaired: false };
  }
  await fetchChunk(model, file, index, target, options);
  if ((await chunkDigest(target)) !== expected) {
    await deleteModel(model.key);
    throw new EngineError(
      'model_corrupt',
      `${file.path} of ${model.repo} changed on the model host since it was downloaded, so the stored copy cannot be repaired. It was deleted: load the model again to download the current version.`,
      { repo: model.repo, file: file.path },
    );
  }
  const repaired = new Blob([target.slice()]);
  await putChunk(model.key, file.path, index, repaired);
  return { blob: repaired, repaired: true };
}

// One chunk's bytes from the host: a Range request, or the stream skipped up to it where the
// host ignores Range.
async function fetchChunk(model: StoredModel, file: StoredFile, index: number, out: Uint8Array, { source, origin }: RepairSource): Promise<void> {
  const start = index * model.chunkBytes;
  const length = out.byteLength;
  const damaged = (): EngineError =>
    new EngineError(
      'model_corrupt',
      `Part ${index + 1} of ${file.chunks.length} of the stored ${file.path} (${model.repo}) is damaged and the model host cannot be reached to repair it. Connect to the network and load again: only the damaged part is downloaded.`,
      { repo: model.repo, file: file.path, chunk: index },
    );
  try {
    const headers = { Range: `bytes=${start}-${start + length - 1}` };
    const response = await request({ url: fileUrl(source, model.repo, file.path, origin), file: file.path, headers });
    if (response.status !== 200 && response.status !== 206) throw new TransientError(`status ${response.status}`);
    let skip = response.status === 206 ? 0 : start;
    let filled = 0;
    const reader = response.body!.getReader();
    while (filled < length) {
      const { done, value } = await reader.read();
      if (done) break;
      const from = Math.min(skip, value.byteLength);
      skip -= from;
      const take = Math.min(value.byteLength - from, length - filled);
      out.set(value.subarray(from, from + take), filled);
      filled += take;
    }
    await reader.cancel();
    if (filled < length) throw new TransientError('short read');
  } catch (error) {
    if (error instanceof EngineError && error.code !== 'model_fetch_failed') throw error;
    throw damaged();
  }
}
