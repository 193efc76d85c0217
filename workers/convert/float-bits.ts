// Reading the float tensors of a checkpoint as float32 (bf16 is the top half of a float32's
// bits; fp16 through a table of all 65,536 halves), and writing float32 values as fp16. Both
// write into buffers the caller reuses: on a large tensor, filling fresh memory costs more
// than the conversion itself.
import { fromHalfBits, toHalfBits } from '../engine/graph-rewrite/half-float.ts';
import type { TensorDtype } from './safetensors.ts';

/** Little-endian float tensor bytes (BF16, F16 or F32) as float32 values, into `out` (which must hold them). */
export function toFloat32(dtype: TensorDtype, bytes: Uint8Array, out: Float32Array = new Float32Array(bytes.byteLength / (dtype === 'F32' ? 4 : 2))): Float32Array {
  switch (dtype) {
    case 'F32': {
      const n = bytes.byteLength / 4;
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
      else new Uint8Array(out.buffer, out.byteOffset, bytes.byteLength).set(bytes);
      return out.subarray(0, n);
    }
    case 'BF16': {
      const halves = halfWords(bytes);
      const bits = new Uint32Array(out.buffer, out.byteOffset, halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16;
      return out.subarray(0, halves.length);
    }
    case 'F16': {
      const halves = halfWords(bytes);
      for (let i = 0; i < halves.length; i++) out[i] = HALF[halves[i]!]!;
      return out.subarray(0, halves.length);
    }
    default:
      throw new Error(`${dtype} is not a float dtype`);
  }
}

/** float32 values as fp16 bits (round to nearest even), into `out`. */
export function toFloat16(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i]!;
    // A value read from bf16 has its low 16 bits zero: its half is a table lookup, exactly.
    out[i] = (x & 0xffff) === 0 ? FROM_BF16[x >>> 16]! : toHalfBits(values[i]!);
  }
  return out.subarray(0, values.length);
}

/** The nearest fp16 value (round to nearest even), as a number. */
export function roundToHalf(value: number): number {
  return HALF[toHalfBits(value)]!;
}

/** Little-endian int32 tensor bytes. */
export function toInt32(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}

function halfWords(bytes: Uint8Array): Uint16Array {
  const n = bytes.byteLength / 2;
  return bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.slice().buffer);
}

/** Every fp16 bit pattern's value. */
const HALF = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = fromHalfBits(h);
  return table;
})();

/** Every bf16 bit pattern's fp16 bits (its float32 is the pattern shifted up 16). */
const FROM_BF16 = (() => {
  const table = new Uint16Array(65536);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let b = 0; b < 65536; b++) {
    u[0] = b << 16;
    table[b] = toHalfBits(f[0]!);
  }
  return table;
})();
