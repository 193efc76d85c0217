// Writes safetensors files as huggingface/safetensors' `save_file` does: 8-byte little-endian
// header length, the JSON header padded with spaces to a multiple of 8, then each tensor's
// bytes in header order. Tensors are produced one at a time, so a 3 GB shard never sits in memory.
import { closeSync, openSync, writeSync } from 'node:fs';

export type StDtype = 'BF16' | 'F16' | 'F32' | 'I32';
const BYTES: Record<StDtype, number> = { BF16: 2, F16: 2, F32: 4, I32: 4 };

export interface StTensor {
  name: string;
  dtype: StDtype;
  shape: number[];
  produce: () => Uint8Array;
}

export function tensorBytes(t: Pick<StTensor, 'dtype' | 'shape'>): number {
  return t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
}

/** Writes `tensors` to `path`; returns the file's size. */
export function writeSafetensors(path: string, tensors: StTensor[]): number {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const length = tensorBytes(t);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, jsonBytes);
    for (const t of tensors) {
      const bytes = t.produce();
      if (bytes.byteLength !== tensorBytes(t)) throw new Error(`${t.name}: ${bytes.byteLength} bytes, expected ${tensorBytes(t)}`);
      writeSync(fd, bytes);
    }
  } finally {
    closeSync(fd);
  }
  return 8 + jsonBytes.byteLength + offset;
}

/** float32 → bfloat16 bits, round to nearest even (torch's `.to(torch.bfloat16)`). */
export function toBf16Bytes(values: Float32Array): Uint8Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i]!;
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}

export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
