// Reading the float tensors of a checkpoint as float32: bf16 is the top half of a float32's
// bits; fp16 goes through the engine's half-float decoder.
import { fromHalfBits } from '../engine/graph-rewrite/half-float.ts';
import type { TensorDtype } from './safetensors.ts';

/** Little-endian float tensor bytes (BF16, F16 or F32) as float32 values. */
export function toFloat32(dtype: TensorDtype, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(bytes.byteLength / 2);
      for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = HALF[view.getUint16(i * 2, true)]!;
      return out;
    }
    default:
      throw new Error(`${dtype} is not a float dtype`);
  }
}

/** Little-endian int32 tensor bytes. */
export function toInt32(bytes: Uint8Array): Int32Array {
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Int32Array(bytes.slice().buffer);
}

/** Every fp16 bit pattern's value: a 256 KB table beats decoding each of a shard's halves. */
const HALF = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = fromHalfBits(h);
  return table;
})();
