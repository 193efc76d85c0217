// What the store keeps about each model: one record per (repo, dtype) with its files, and for
// each file the checksums that let a later load prove the stored bytes are the downloaded ones.
import type { ConvertedFrom, ModelDtype, WeightsFormat } from '../protocol/messages.ts';
import type { ModelSource } from '../protocol/model-source.ts';

export interface StoredFile {
  /** Path in the repo, e.g. "onnx/model_q4.onnx". */
  path: string;
  size: number;
  /** The host's ETag at download start; a changed ETag means the file changed and resuming would mix versions. */
  etag: string | null;
  /** SHA-256 the host publishes (the hub's LFS pointer), checked once the file is complete; null where none is. */
  sha256: string | null;
  /** SHA-256 of each stored chunk, in order: every load re-checks them. */
  chunks: string[];
  /** The whole-file hash state after the stored chunks (hash-wasm save()), so it survives a reload. */
  hashState: string | null;
  complete: boolean;
}

export interface StoredModel {
  key: string;
  repo: string;
  dtype: ModelDtype;
  source: ModelSource;
  chunkBytes: number;
  files: StoredFile[];
  /** Absent in records from before safetensors repos: onnx. */
  weights?: WeightsFormat;
  /** A safetensors model's INT4 ONNX build, made in the browser from its stored checkpoint. */
  conversion?: ConversionRecord;
  /**
   * Only a "ready" model, every file complete and verified (and a safetensors checkpoint
   * converted), is ever handed to the engine.
   */
  state: 'downloading' | 'ready';
  startedAt: number;
  completedAt: number | null;
}

/** Where a converted model came from, so a newer converter can rebuild it from the stored checkpoint. */
export interface ConversionRecord {
  /** config.json's quantization: gptq, awq, or float (bf16/fp16 weights quantized here). */
  format: ConvertedFrom;
  converterVersion: number;
  /** The checkpoint files it was built from, with the SHA-256 the host published (null: none). */
  sources: { path: string; sha256: string | null }[];
  /** The converted files (graph and external data). */
  outputs: string[];
  convertedAt: number;
}

export function modelKey(repo: string, dtype: ModelDtype): string {
  return `${repo}|${dtype}`;
}

export function storedBytes(file: StoredFile, chunkBytes: number): number {
  return Math.min(file.size, file.chunks.length * chunkBytes);
}

export function modelBytes(model: StoredModel): number {
  return model.files.reduce((sum, f) => sum + f.size, 0);
}

/** Bytes of the model in the store now (all of them once it is ready). */
export function storedModelBytes(model: StoredModel): number {
  return model.files.reduce((sum, f) => sum + (f.complete ? f.size : storedBytes(f, model.chunkBytes)), 0);
}
