// Reads a ready model out of the store for the engine, checking every chunk against the SHA-256
// recorded when it was downloaded. A damaged or missing chunk is fetched again (that chunk only,
// by Range) and checked against the same digest; bad bytes are never handed on as checked. The
// graph file is assembled in one buffer (onnxruntime-web takes bytes); external data stays a Blob
// made of the stored chunk Blobs, which Chrome keeps on disk. openModel hands the graph and its
// external data over as stored, before their check (chunk-check.ts) ends, so a load builds its
// sessions while it runs (the check of a 0.5B model took 11-15 s of a 38 s load); the loader
// waits for it before it serves the model.
// Reads hold the model's lock until the check ends, so a deletion waits for them and never
// leaves repaired chunks behind with no record.
import { EngineError } from '../protocol/errors.ts';
import { readInto } from './blob-read.ts';
import { checkChunks, checkedChunk, dataPath, type CheckedData, type ChunkCheck, type RepairSource } from './chunk-check.ts';
import { getChunk, getModel } from './idb.ts';
import { checkMetadataFile } from './metadata-check.ts';
import { METADATA_FILES, modelFileName } from './model-files.ts';
import { withModelLock } from './model-lock.ts';
import type { StoredFile, StoredModel } from './records.ts';

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

export interface ReadOptions extends RepairSource {
  /** Bytes checked so far, of all the model's bytes. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Where the external data is checked (default: in this thread; the engine uses a worker of its own). */
  check?: ChunkCheck;
}

export interface ReadReport {
  files: ModelFiles;
  /** Chunks that failed their check and were downloaded again. */
  repairedChunks: number;
}

/** A model's files before the check of its external data ends, and that check. */
export interface OpenedModel {
  /** Config, tokenizer and graph checked; the external data as stored, still being checked. */
  files: ModelFiles;
  /** Every chunk checked: the files as checked (a repaired chunk's Blob replaced) and how many were repaired. */
  checked: Promise<ReadReport>;
}

/** The files as soon as the small files and the graph are checked; see OpenedModel. */
export function openModel(model: StoredModel, options: ReadOptions): Promise<OpenedModel> {
  return new Promise((resolve, reject) => {
    const checked = withModelLock(model.key, async () => readLocked(await current(model), options, (files) => resolve({ files, checked })));
    // A model with a missing chunk gives no early files: the checked read is the answer.
    checked.then((report) => resolve({ files: report.files, checked }), reject);
  });
}

// The record as it is now: the model may have been deleted since the caller read it.
async function current(model: StoredModel): Promise<StoredModel> {
  const now = await getModel(model.key);
  if (!now) throw new EngineError('model_files_invalid', `${model.repo} (${model.dtype}) was deleted before it could load. Load it again to download it anew.`, { repo: model.repo });
  return now;
}

async function readLocked(model: StoredModel, options: ReadOptions, early: (files: ModelFiles) => void): Promise<ReadReport> {
  if (model.state !== 'ready') throw new EngineError('model_files_invalid', `${model.repo} is not completely downloaded yet.`, { repo: model.repo });
  const fileName = modelFileName(model.dtype);
  // What a load reads: the small files and the ONNX model (a converted model's checkpoint stays unread).
  const loaded = model.files.filter((f) => (METADATA_FILES as readonly string[]).includes(f.path) || f.path === `onnx/${fileName}` || f.path.startsWith(`onnx/${fileName}_data`));
  const total = loaded.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  let repairedChunks = 0;
  // The small files' chunks go through one scratch buffer: no chunk-sized garbage per chunk.
  const small = loaded.filter((f) => (METADATA_FILES as readonly string[]).includes(f.path));
  const scratch = new Uint8Array(Math.min(model.chunkBytes, Math.max(0, ...small.map((f) => f.size))));
  const read = async (file: StoredFile): Promise<Blob[]> => {
    const blobs: Blob[] = [];
    for (let index = 0; index < file.chunks.length; index++) {
      const length = Math.min(model.chunkBytes, file.size - index * model.chunkBytes);
      const checked = await checkedChunk(model, file, index, scratch.subarray(0, length), options);
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
  const dataFiles = model.files.filter((file) => file.path.startsWith(`onnx/${fileName}_data`));
  const filesWith = async ([graph, ...externalData]: CheckedData): Promise<ModelFiles> => {
    const bytes = new Uint8Array(new ArrayBuffer(graphFile.size + GRAPH_SPARE_BYTES), 0, graphFile.size);
    await readInto(graph!.data, bytes);
    return { config, generationConfig, tokenizerJson, tokenizerConfig, fileName, model: bytes, externalData };
  };
  // The graph and its external data as stored, handed over before their check where every chunk is there.
  const stored = await storedData(model, [graphFile, ...dataFiles]);
  const earlyFiles = stored && (await filesWith(stored));
  if (earlyFiles) early(earlyFiles);
  const headDone = done;
  const check = options.check ?? checkChunks;
  const checked = await check(model, [graphFile, ...dataFiles], { source: options.source, origin: options.origin, onProgress: (bytesDone) => options.onProgress?.(headDone + bytesDone, total) });
  const files = earlyFiles && checked.repairedChunks === 0 ? earlyFiles : await filesWith(checked.data);
  return { files, repairedChunks: repairedChunks + checked.repairedChunks };
}

// The files as the store holds them, unchecked; null when a chunk is missing or cut short.
async function storedData(model: StoredModel, files: StoredFile[]): Promise<CheckedData | null> {
  const data: CheckedData = [];
  for (const file of files) {
    const blobs: Blob[] = [];
    for (let index = 0; index < file.chunks.length; index++) {
      const blob = await getChunk(model.key, file.path, index);
      if (blob?.size !== Math.min(model.chunkBytes, file.size - index * model.chunkBytes)) return null;
      blobs.push(blob);
    }
    data.push({ path: dataPath(file), data: new Blob(blobs) });
  }
  return data;
}
