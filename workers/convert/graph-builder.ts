// Builds an ONNX graph while its weights stream out: each initializer's bytes are appended to
// the external data sink as soon as they are made, and only their place is kept, so a model
// of any size is built holding one tensor (or one slab of one) at a time. External data is
// split into files of at most 2 GiB.
import { encodeModel, type AttrValue, type Dim, type ElemType, type NodeDef, type TensorDef, type ValueDef } from './onnx-writer.ts';

/** Where the external data goes (the store's chunks in the browser, files in Node): file 0, 1, ... in order. */
export interface WeightSink {
  append(bytes: Uint8Array, file: number): Promise<void>;
}

/** Tensors smaller than this stay inline (onnx.save_model's default threshold). */
const INLINE_BYTES = 1024;
/**
 * External data files of at most this size (a larger tensor gets one of its own), as the hub's
 * large exports are split: one Blob or ArrayBuffer of several GB is more than a browser will hand over.
 */
export const DATA_FILE_BYTES = 2 * 1024 ** 3 - 2 ** 20;

/** `<graph>_data`, `<graph>_data_1`, ...: the names transformers.js and the forge give external data. */
export function dataFileName(graphFile: string, index: number): string {
  return `${graphFile}_data${index === 0 ? '' : `_${index}`}`;
}

export class GraphBuilder {
  readonly #nodes: NodeDef[] = [];
  readonly #inputs: ValueDef[] = [];
  readonly #outputs: ValueDef[] = [];
  readonly #initializers: TensorDef[] = [];
  readonly #names = new Set<string>();
  readonly #constants = new Map<string, string>();
  readonly #sink: WeightSink;
  readonly #fileBytes: number;
  #file = 0;
  /** Bytes written to the current external data file, and to all of them. */
  #offset = 0;
  #total = 0;

  constructor(sink: WeightSink, fileBytes = DATA_FILE_BYTES) {
    this.#sink = sink;
    this.#fileBytes = fileBytes;
  }

  /** Bytes of external data written so far. */
  get externalBytes(): number {
    return this.#total;
  }

  /** External data files written (0 when every tensor is inline). */
  get externalFiles(): number {
    return this.#total === 0 ? 0 : this.#file + 1;
  }

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.#inputs.push({ name, type, dims });
    return name;
  }

  output(name: string, type: ElemType, dims: Dim[]): void {
    this.#outputs.push({ name, type, dims });
  }

  /** Adds a node; its outputs are named `<name>/output_<i>` unless given ('' skips one). */
  node(opType: string, name: string, inputs: string[], options: { attrs?: Record<string, AttrValue>; domain?: string; outputs?: number | string[] } = {}): string[] {
    if (this.#names.has(name)) throw new Error(`duplicate node name ${name}`);
    this.#names.add(name);
    const outs = options.outputs ?? 1;
    const outputs = typeof outs === 'number' ? Array.from({ length: outs }, (_, i) => `${name}/output_${i}`) : outs;
    this.#nodes.push({ opType, name, inputs, outputs, attrs: options.attrs ?? {}, domain: options.domain ?? '' });
    return outputs;
  }

  op(opType: string, name: string, inputs: string[], attrs?: Record<string, AttrValue>, domain?: string): string {
    return this.node(opType, name, inputs, { attrs, domain })[0]!;
  }

  /** An initializer whose bytes are ready now. */
  async tensor(name: string, type: ElemType, dims: number[], bytes: Uint8Array): Promise<string> {
    return this.streamed(name, type, dims, bytes.byteLength, [bytes]);
  }

  /** An initializer written piece by piece (a table converted a slab of rows at a time). */
  async streamed(name: string, type: ElemType, dims: number[], byteLength: number, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
    if (byteLength < INLINE_BYTES) {
      const parts: Uint8Array[] = [];
      // Pieces may be views of buffers the producer reuses: keep copies.
      for await (const piece of pieces) parts.push(piece.slice());
      const data = new Uint8Array(byteLength);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.byteLength;
      }
      this.#initializers.push({ name, type, dims, data });
      return name;
    }
    if (this.#offset > 0 && this.#offset + byteLength > this.#fileBytes) {
      this.#file++;
      this.#offset = 0;
    }
    const offset = this.#offset;
    let written = 0;
    for await (const piece of pieces) {
      await this.#sink.append(piece, this.#file);
      written += piece.byteLength;
    }
    if (written !== byteLength) throw new Error(`${name}: wrote ${written} bytes, expected ${byteLength}`);
    this.#offset += written;
    this.#total += written;
    this.#initializers.push({ name, type, dims, data: { file: this.#file, offset, length: written } });
    return name;
  }

  int64(values: number[], scalar = false): string {
    const key = `int64:${scalar}:${values.join(',')}`;
    let name = this.#constants.get(key);
    if (!name) {
      name = `/const/int64_${this.#constants.size}`;
      this.#constants.set(key, name);
      const data = new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
      this.#initializers.push({ name, type: 'int64', dims: scalar ? [] : [values.length], data });
    }
    return name;
  }

  /** The ModelProto; `graphFile` names the external data files beside it. */
  encode(graphFile: string, producer: { name: string; version: string }): Uint8Array {
    return encodeModel({ nodes: this.#nodes, inputs: this.#inputs, outputs: this.#outputs, initializers: this.#initializers, dataFile: (i) => dataFileName(graphFile, i), producer });
  }
}
