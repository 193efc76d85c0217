// Reads a ready model out of the store for the engine, checking every chunk against the SHA-256
// recorded when it was downloaded. A damaged or missing chunk is fetched again (that chunk only,
// by Range) and checked against the same digest; bad bytes are never handed on. The graph file
// is assembled in one buffer (onnxruntime-web takes bytes); external data stays a Blob made of
// the stored chunk Blobs, which Chrome keeps on disk. Reads hold the model's lock, so a
// deletion waits for them and never leaves repaired chunks behind with no record.
import { EngineError } from '../protocol/errors.ts';
import { chunkDigest } from './checksums.ts';
import { readInto } from './blob-read.ts';
import { request, TransientError } from './http.ts';
import { deleteModel, getChunk, getModel, putChunk } from './idb.ts';
import { checkMetadataFile } from './metadata-check.ts';
import { METADATA_FILES, modelFileName } from './model-files.ts';
import { withModelLock } from './model-lock.ts';
import type { StoredFile, StoredModel } from './records.ts';
import { fileUrl, type ModelSource } from '../protocol/model-source.ts';

/** Room left after the graph's bytes, so a load-time rewrite can append without copying the file. */
const GRAPH_SPARE_BYTES = 64 * 1024;

export interface ModelFiles {
  config: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  fileName: string;
  model: Uint8Array;
  externalData: { path: string; data: Blob }[];
}

export interface ReadOptions {
  /** Where a damaged chunk is fetched again: the source chosen now, which may not be the one downloaded from. */
  source: ModelSource;
  origin: string;
  /** Bytes checked so far, of all the model's bytes. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ReadReport {
  files: ModelFiles;
  /** Chunks that failed their check and were downloaded again. */
  repairedChunks: number;
}

export function readModel(model: StoredModel, options: ReadOptions): Promise<ReadReport> {
  return withModelLock(model.key, async () => {
    // The record as it is now: the model may have been deleted since the caller read it.
    const current = await getModel(model.key);
    if (!current) throw new EngineError('model_files_invalid', `${model.repo} (${model.dtype}) was deleted before it could load. Load it again to download it anew.`, { repo: model.repo });
    return readLocked(current, options);
  });
}

async function readLocked(model: StoredModel, options: ReadOptions): Promise<ReadReport> {
  if (model.state !== 'ready') throw new EngineError('model_files_invalid', `${model.repo} is not completely downloaded yet.`, { repo: model.repo });
  const fileName = modelFileName(model.dtype);
  // What a load reads: the small files and the ONNX model (a converted model's checkpoint stays unread).
  const loaded = model.files.filter((f) => (METADATA_FILES as readonly string[]).includes(f.path) || f.path === `onnx/${fileName}` || f.path.startsWith(`onnx/${fileName}_data`));
  const total = loaded.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  let repairedChunks = 0;
  // Chunks are streamed into their place in the graph buffer, or into one scratch buffer, so
  // checking a model allocates no chunk-sized garbage per chunk.
  const scratch = new Uint8Array(Math.min(model.chunkBytes, Math.max(...loaded.map((f) => f.size))));
  const read = async (file: StoredFile, into?: Uint8Array): Promise<Blob[]> => {
    const blobs: Blob[] = [];
    for (let index = 0; index < file.chunks.length; index++) {
      const start = index * model.chunkBytes;
      const length = Math.min(model.chunkBytes, file.size - start);
      const target = into ? into.subarray(start, start + length) : scratch.subarray(0, length);
      const checked = await checkedChunk(model, file, index, target, options);
      if (checked.repaired) repairedChunks++;
      blobs.push(checked.blob);
      done += length;
      options.onProgress?.(done, total);
    }
    return blobs;
  };
  const json = async (path: string): Promise<Record<string, unknown> | null> => {
    const file = model.files.find((f) => f.path === path);
    if (!file) return null;
    return checkMetadataFile(path, new Uint8Array(await new Blob(await read(file)).arrayBuffer()), 'the store');
  };
  const config = await json('config.json');
  const tokenizerJson = await json('tokenizer.json');
  const tokenizerConfig = await json('tokenizer_config.json');
  if (!config || !tokenizerJson || !tokenizerConfig) throw new EngineError('model_files_invalid', `The stored copy of ${model.repo} lacks its config or tokenizer files. Delete it and download again.`);
  const generationConfig = (await json('generation_config.json')) ?? {};
  const graphFile = model.files.find((f) => f.path === `onnx/${fileName}`)!;
  const graph = new Uint8Array(new ArrayBuffer(graphFile.size + GRAPH_SPARE_BYTES), 0, graphFile.size);
  await read(graphFile, graph);
  const externalData: { path: string; data: Blob }[] = [];
  for (const file of model.files) {
    if (!file.path.startsWith(`onnx/${fileName}_data`)) continue;
    externalData.push({ path: file.path.slice('onnx/'.length), data: new Blob(await read(file)) });
  }
  return { files: { config, generationConfig, tokenizerJson, tokenizerConfig, fileName, model: graph, externalData }, repairedChunks };
}

// Fills `target` with the chunk's checked bytes and returns the Blob that holds them.
async function checkedChunk(model: StoredModel, file: StoredFile, index: number, target: Uint8Array, options: ReadOptions): Promise<{ blob: Blob; repaired: boolean }> {
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
async function fetchChunk(model: StoredModel, file: StoredFile, index: number, out: Uint8Array, { source, origin }: ReadOptions): Promise<void> {
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
