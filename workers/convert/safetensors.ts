// The safetensors format (huggingface/safetensors, "Format"): an 8-byte little-endian header
// length N, N bytes of JSON naming each tensor's dtype, shape and [begin, end) byte range
// counted from the end of the header, then the data. (Sharded checkpoints add
// `model.safetensors.index.json`: store/model-files.ts reads its shards.)
import { EngineError } from '../protocol/errors.ts';

export const HEADER_LENGTH_BYTES = 8;
/** The reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES = { BF16: 2, F16: 2, F32: 4, I32: 4, I64: 8, U8: 1, I8: 1 } as const;
export type TensorDtype = keyof typeof DTYPE_BYTES;

export interface TensorEntry {
  name: string;
  /** The file holding it, relative to the repo root. */
  file: string;
  dtype: TensorDtype;
  shape: number[];
  /** Byte range in the file (header included). */
  begin: number;
  end: number;
}

export function dtypeBytes(dtype: TensorDtype): number {
  return DTYPE_BYTES[dtype];
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The header's length, from the file's first 8 bytes. */
export function headerLength(file: string, prefix: Uint8Array): number {
  if (prefix.byteLength < HEADER_LENGTH_BYTES) throw invalid(file, `it is ${prefix.byteLength} bytes long, too short for a safetensors header`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, HEADER_LENGTH_BYTES).getBigUint64(0, true);
  if (n < 2n || n > BigInt(MAX_HEADER_BYTES)) throw invalid(file, `its header length ${n} is not a safetensors header's (an HTML error page or an LFS pointer saved as the file?)`);
  return Number(n);
}

/** Reads the JSON header (the bytes after the first 8) into entries with absolute byte ranges. */
export function parseHeader(file: string, json: Uint8Array, fileSize: number): TensorEntry[] {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json)) as Record<string, unknown>;
  } catch {
    throw invalid(file, 'its header is not valid JSON');
  }
  const dataStart = HEADER_LENGTH_BYTES + json.byteLength;
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = v.dtype as TensorDtype;
    const shape = v.shape as number[];
    const offsets = v.data_offsets as [number, number];
    if (!(typeof dtype === 'string' && dtype in DTYPE_BYTES)) throw invalid(file, `tensor ${name} has dtype ${String(v.dtype)}, which the converter does not read`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(file, `tensor ${name} has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(file, `tensor ${name} has no valid data_offsets`);
    const [begin, end] = offsets;
    if (end - begin !== elementCount(shape) * DTYPE_BYTES[dtype]) throw invalid(file, `tensor ${name} spans ${end - begin} bytes, not the ${elementCount(shape) * DTYPE_BYTES[dtype]} its shape and dtype need`);
    if (dataStart + end > fileSize) throw invalid(file, `tensor ${name} ends past the end of the file (cut short?)`);
    entries.push({ name, file, dtype, shape, begin: dataStart + begin, end: dataStart + end });
  }
  return entries;
}

function invalid(file: string, why: string): EngineError {
  return new EngineError('model_files_invalid', `${file} is not a usable safetensors file: ${why}. Delete the model and download it again.`, { file });
}
