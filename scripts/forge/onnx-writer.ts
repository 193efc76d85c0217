// Serializes a built graph to an .onnx file, with weights inline or in external-data
// chunks (`<file>_data`, `<file>_data_1`, ...) as the hub's large exports store them.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TensorType, onnx, type GraphBuilder, type LazyInitializer } from './onnx-graph.ts';
import onnxProto from 'onnx-proto';

type TensorProto = onnxProto.onnx.ITensorProto;

/** protobuf's 2 GiB message limit, less room for the graph itself. */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 64 * 2 ** 20;
/** onnx.save_model's default: tensors smaller than this stay inline. */
const EXTERNAL_THRESHOLD_BYTES = 1024;

export interface WriteOptions {
  dir: string;
  fileName: string;
  /** Write weights to external data files of at most this many bytes each (a larger tensor gets its own). */
  externalChunkBytes?: number;
}

/** Writes the model; returns the file names written, the .onnx first. */
export function writeModel(g: GraphBuilder, opts: WriteOptions): string[] {
  const external = opts.externalChunkBytes !== undefined ? new ExternalData(opts) : null;
  if (!external) {
    const bytes = g.initializers.reduce((sum, t) => sum + t.byteLength, 0);
    if (bytes > PROTOBUF_LIMIT_BYTES) {
      throw new Error(`weights take ${(bytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB limit: use --external-data`);
    }
  }
  const initializer = g.initializers.map((t) => external?.store(t) ?? inlineTensor(t));
  external?.close();
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'qwen-local-forge',
    producerVersion: '1',
    opsetImport: [
      { domain: '', version: 14 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: 'main_graph', node: g.nodes, initializer, input: g.inputs, output: g.outputs },
  });
  writeFileSync(join(opts.dir, opts.fileName), onnx.ModelProto.encode(model).finish());
  return [opts.fileName, ...(external?.files ?? [])];
}

function header(t: LazyInitializer): TensorProto {
  return { name: t.name, dataType: TensorType[t.type], dims: t.dims };
}

function inlineTensor(t: LazyInitializer): TensorProto {
  return { ...header(t), rawData: checkedBytes(t) };
}

function checkedBytes(t: LazyInitializer): Uint8Array {
  const bytes = t.produce();
  if (bytes.byteLength !== t.byteLength) throw new Error(`${t.name}: ${bytes.byteLength} bytes, expected ${t.byteLength}`);
  return bytes;
}

const WRITE_BYTES = 2 ** 30;

class ExternalData {
  readonly files: string[] = [];
  readonly #opts: WriteOptions & { externalChunkBytes: number };
  #fd = -1;
  #offset = 0;

  constructor(opts: WriteOptions) {
    this.#opts = opts as WriteOptions & { externalChunkBytes: number };
  }

  store(t: LazyInitializer): TensorProto {
    if (t.byteLength < EXTERNAL_THRESHOLD_BYTES) return inlineTensor(t);
    if (this.#fd < 0 || (this.#offset > 0 && this.#offset + t.byteLength > this.#opts.externalChunkBytes)) this.#next();
    const bytes = checkedBytes(t);
    // One write takes at most 2 GiB - 1 bytes (the 7B embedding table is 2.18 GB).
    for (let at = 0; at < bytes.byteLength; at += WRITE_BYTES) writeSync(this.#fd, bytes.subarray(at, at + WRITE_BYTES));
    const offset = this.#offset;
    this.#offset += bytes.byteLength;
    return {
      ...header(t),
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: this.files[this.files.length - 1]! },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ],
    };
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #next(): void {
    this.close();
    const i = this.files.length;
    const name = `${this.#opts.fileName}_data${i === 0 ? '' : `_${i}`}`;
    this.files.push(name);
    this.#fd = openSync(join(this.#opts.dir, name), 'w');
    this.#offset = 0;
  }
}
