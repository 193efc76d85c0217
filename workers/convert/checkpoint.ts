// A checkpoint's tensors by name, over whatever holds its files (the store's chunks, a local
// file in tests): headers are read once, tensors one at a time (float matrices a slab of rows at
// a time), so no shard is ever whole in memory. Float reads land in two buffers kept across
// reads: filling fresh memory for every tensor cost more than converting it.
import { EngineError } from '../protocol/errors.ts';
import { toFloat32, toInt32 } from './float-bits.ts';
import { awqToQ4 } from './awq.ts';
import { gptqToQ4 } from './gptq.ts';
import { emptyQ4, quantizeRtn, type Q4Matrix } from './q4-matrix.ts';
import { dtypeBytes, HEADER_LENGTH_BYTES, headerLength, parseHeader, type TensorEntry } from './safetensors.ts';
import { checkpointFiles } from '../store/model-files.ts';
import type { WeightFormat } from './weight-format.ts';

export interface CheckpointFiles {
  size(file: string): number;
  /** Bytes [begin, end) of a file, into `into` when given (it holds end - begin bytes). */
  read(file: string, begin: number, end: number, into?: Uint8Array): Promise<Uint8Array>;
}

/** Source bytes of float rows read at once. */
export const SLAB_BYTES = 32 * 2 ** 20;


export class Checkpoint {
  readonly #files: CheckpointFiles;
  readonly #entries: Map<string, TensorEntry>;
  #raw = new Uint8Array(0);
  #floats = new Float32Array(0);

  private constructor(files: CheckpointFiles, entries: Map<string, TensorEntry>) {
    this.#files = files;
    this.#entries = entries;
  }

  /** Reads the headers of `model.safetensors`, or of every shard the index names. */
  static async open(files: CheckpointFiles, index: unknown | null): Promise<Checkpoint> {
    const entries = new Map<string, TensorEntry>();
    for (const file of checkpointFiles(index as Record<string, unknown> | null)) {
      const size = files.size(file);
      const length = headerLength(file, await files.read(file, 0, Math.min(size, HEADER_LENGTH_BYTES)));
      if (HEADER_LENGTH_BYTES + length > size) throw new EngineError('model_files_invalid', `${file} is cut short: its header alone needs ${HEADER_LENGTH_BYTES + length} bytes. Delete the model and download it again.`, { file });
      for (const entry of parseHeader(file, await files.read(file, HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + length), size)) entries.set(entry.name, entry);
    }
    return new Checkpoint(files, entries);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  entry(name: string): TensorEntry {
    const entry = this.#entries.get(name);
    if (!entry) throw new EngineError('model_files_invalid', `The checkpoint has no tensor ${name}: it is not a Qwen2 model, or a shard is missing.`, { tensor: name });
    return entry;
  }

  /** A float tensor's values; valid until the next float read. */
  async floats(name: string): Promise<Float32Array> {
    const e = this.entry(name);
    return this.#decode(e, e.begin, e.end);
  }

  /** Rows [from, to) of a 2-D float tensor; valid until the next float read. */
  async floatRows(name: string, from: number, to: number): Promise<Float32Array> {
    const e = this.entry(name);
    const rowBytes = (e.shape[1] ?? 1) * dtypeBytes(e.dtype);
    return this.#decode(e, e.begin + from * rowBytes, e.begin + to * rowBytes);
  }

  /** Rows per slab of a 2-D float tensor. */
  slabRows(name: string, slabBytes = SLAB_BYTES): number {
    const e = this.entry(name);
    return Math.max(1, Math.floor(slabBytes / ((e.shape[1] ?? 1) * dtypeBytes(e.dtype))));
  }

  async #decode(e: TensorEntry, begin: number, end: number): Promise<Float32Array> {
    const count = (end - begin) / dtypeBytes(e.dtype);
    if (this.#raw.byteLength < end - begin) this.#raw = new Uint8Array(end - begin);
    if (this.#floats.length < count) this.#floats = new Float32Array(count);
    const bytes = await this.#files.read(e.file, begin, end, this.#raw.subarray(0, end - begin));
    return toFloat32(e.dtype, bytes, this.#floats);
  }

  /** A 2-D float tensor quantized round-to-nearest, a slab of rows at a time. */
  async quantizedRows(name: string): Promise<Q4Matrix> {
    const [n, k] = this.entry(name).shape as [number, number];
    const perSlab = this.slabRows(name);
    const m = emptyQ4(n, k);
    for (let row = 0; row < n; row += perSlab) {
      const count = Math.min(perSlab, n - row);
      const rows = await this.floatRows(name, row, row + count);
      quantizeRtn(rows, count, k, undefined, { m, row });
    }
    return m;
  }

  async ints(name: string): Promise<Int32Array> {
    const e = this.entry(name);
    if (e.dtype !== 'I32') throw new EngineError('model_files_invalid', `${name} is ${e.dtype}, not the int32 a packed 4-bit weight is.`, { tensor: name });
    return toInt32(await this.#files.read(e.file, e.begin, e.end));
  }

  /**
   * The linear layer `prefix` (e.g. model.layers.0.mlp.up_proj) as MatMulNBits weights: GPTQ
   * and AWQ repacked as they are, float weights quantized by round-to-nearest.
   */
  async linear(prefix: string, format: WeightFormat): Promise<Q4Matrix> {
    // A quantized checkpoint keeps some layers (lm_head) in float: the tensors present decide.
    if (format.kind === 'float' || this.has(`${prefix}.weight`)) return this.quantizedRows(`${prefix}.weight`);
    const scales = this.entry(`${prefix}.scales`);
    const [groups, n] = scales.shape as [number, number];
    const k = format.kind === 'gptq' ? this.entry(`${prefix}.qweight`).shape[0]! * 8 : this.entry(`${prefix}.qweight`).shape[0]!;
    const name = prefix;
    if (Math.ceil(k / format.groupSize) !== groups) {
      throw new EngineError('model_files_invalid', `${prefix} has ${groups} scale groups, not the ${Math.ceil(k / format.groupSize)} its group size ${format.groupSize} gives.`, { tensor: prefix });
    }
    const tensors = { qweight: await this.ints(`${prefix}.qweight`), qzeros: await this.ints(`${prefix}.qzeros`), scales: await this.floats(scales.name) };
    if (format.kind === 'awq') return awqToQ4(tensors, { name, n, k, groupSize: format.groupSize });
    const gIdx = this.has(`${prefix}.g_idx`) ? await this.ints(`${prefix}.g_idx`) : null;
    return gptqToQ4({ ...tensors, gIdx }, { name, n, k, groupSize: format.groupSize, zerosStoredMinusOne: format.zerosStoredMinusOne });
  }
}
