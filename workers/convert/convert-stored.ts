// The converter as the store runs it (model-download.ts's Converter): reads the stored,
// verified checkpoint a chunk at a time, writes the ONNX graph and its external data as new
// stored files with their chunk digests, and records where they came from.
import { EngineError } from '../protocol/errors.ts';
import type { ModelDtype } from '../protocol/messages.ts';
import { convertedBytes as modelBytes } from '../protocol/model-size.ts';
import type { Converter } from '../store/model-download.ts';
import { modelFileName, SAFETENSORS_INDEX } from '../store/model-files.ts';
import type { StoredFile, StoredModel } from '../store/records.ts';
import { StoredFileReader, StoredFileWriter } from '../store/stored-file-io.ts';
import { abortError } from '../store/http.ts';
import { convertCheckpoint, CONVERTER_VERSION } from './convert-model.ts';
import { dataFileName } from './graph-builder.ts';
import { qwenShape, type ComputeType } from './qwen-graph.ts';
import { weightFormat } from './weight-format.ts';

export interface ConvertProgress {
  partsDone: number;
  partsTotal: number;
  /** Bytes of the checkpoint, for the progress line. */
  sourceBytes: number;
}

export function storedConverter(onProgress: (p: ConvertProgress) => void): Converter {
  return { version: CONVERTER_VERSION, estimateBytes: convertedBytes, run: (model, signal) => convertStored(model, onProgress, signal) };
}

async function convertStored(model: StoredModel, onProgress: (p: ConvertProgress) => void, signal?: AbortSignal): Promise<void> {
  const reader = new StoredFileReader(model);
  const json = async (path: string): Promise<Record<string, unknown>> => JSON.parse(new TextDecoder().decode(await reader.read(path, 0, reader.size(path)))) as Record<string, unknown>;
  const config = await json('config.json');
  const index = model.files.some((f) => f.path === SAFETENSORS_INDEX) ? await json(SAFETENSORS_INDEX) : null;
  const fileName = modelFileName(model.dtype);
  const sources = model.files.filter((f) => f.path.endsWith('.safetensors'));
  const sourceBytes = sources.reduce((sum, f) => sum + f.size, 0);
  // A rebuild by a newer converter replaces the earlier output (the writers drop its chunks).
  const previous = new Set(model.conversion?.outputs ?? []);
  model.files = model.files.filter((f) => !previous.has(f.path));
  const data = new DataFiles(model, fileName);
  const converted = await convertCheckpoint({
    repo: model.repo,
    config,
    index,
    compute: computeType(model.dtype, model.repo),
    files: reader,
    sink: {
      append: async (bytes, file) => {
        if (signal?.aborted) throw abortError();
        await data.append(bytes, file);
      },
    },
    fileName,
    onProgress: (partsDone, partsTotal) => onProgress({ partsDone, partsTotal, sourceBytes }),
  });
  const written = await data.finish();
  const graph = await StoredFileWriter.create(model, `onnx/${fileName}`);
  await graph.append(converted.graph);
  model.files.push(await graph.finish(), ...written);
  const outputs = [`onnx/${fileName}`, ...converted.dataFiles.map((f) => `onnx/${f}`)];
  model.conversion = {
    format: converted.format.kind,
    converterVersion: CONVERTER_VERSION,
    sources: sources.map((f) => ({ path: f.path, sha256: f.sha256 })),
    outputs,
    convertedAt: Date.now(),
  };
}

/** The external data files, written one after the other into the store. */
class DataFiles {
  readonly #model: StoredModel;
  readonly #fileName: string;
  readonly #done: StoredFile[] = [];
  #current: { index: number; writer: StoredFileWriter } | null = null;

  constructor(model: StoredModel, fileName: string) {
    this.#model = model;
    this.#fileName = fileName;
  }

  async append(bytes: Uint8Array, index: number): Promise<void> {
    if (this.#current?.index !== index) {
      if (this.#current) this.#done.push(await this.#current.writer.finish());
      this.#current = { index, writer: await StoredFileWriter.create(this.#model, `onnx/${dataFileName(this.#fileName, index)}`) };
    }
    await this.#current.writer.append(bytes);
  }

  async finish(): Promise<StoredFile[]> {
    if (this.#current) this.#done.push(await this.#current.writer.finish());
    this.#current = null;
    return this.#done;
  }
}

function computeType(dtype: ModelDtype, repo: string): ComputeType {
  if (dtype === 'fp32') throw new EngineError('invalid_request', `${repo} is converted to 4-bit weights: load it as q4 or q4f16, not fp32.`, { repo });
  return dtype === 'q4f16' ? 'float16' : 'float32';
}

/** What the converted files will take, for the quota check before the download. */
export function convertedBytes(repo: string, config: Record<string, unknown>, dtype: ModelDtype): number {
  const format = weightFormat(repo, config);
  return modelBytes(qwenShape(config), format.kind === 'float' ? 'bf16' : format.kind, dtype === 'q4f16' ? 'q4f16' : 'q4');
}
