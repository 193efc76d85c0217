// The converter's output for every linear layer: onnxruntime's MatMulNBits (com.microsoft) at
// 4 bits. B is [N, K/block, block/2] uint8, element k of output row n in byte k/2 of its block,
// low nibble first; scales are [N, K/block]; zero_points are packed two per byte, low nibble
// first, [N, ceil(blocks/2)], and absent means 8. Weight = (q - zero) * scale.
import { EngineError } from '../protocol/errors.ts';
import { roundToHalf } from './float-bits.ts';
import { RTN_BLOCK } from '../protocol/model-size.ts';

export interface Q4Matrix {
  /** Output features (rows of the PyTorch [out, in] weight). */
  n: number;
  /** Input features. */
  k: number;
  blockSize: number;
  packed: Uint8Array;
  scales: Float32Array;
  /** Packed 4-bit zero points; null when every block's is 8. */
  zeroPoints: Uint8Array | null;
}

/** A GPTQ or AWQ layer's stored tensors (int32 words of eight 4-bit values, fp16 scales read as floats). */
export interface PackedTensors {
  qweight: Int32Array;
  qzeros: Int32Array;
  scales: Float32Array;
}

/** What a packed layer is: its module name (for messages), [n, k] and group size. */
export interface PackedLayout {
  name: string;
  n: number;
  k: number;
  groupSize: number;
}

const SYMMETRIC_ZERO = 8;

export function blockCount(m: { k: number; blockSize: number }): number {
  return Math.ceil(m.k / m.blockSize);
}

/** MatMulNBits' block_size must be a power of two, at least 16. */
export function isValidBlockSize(size: number): boolean {
  return size >= 16 && (size & (size - 1)) === 0;
}

/** Packs one zero point per [row, block] (values 0..15) two per byte, as MatMulNBits reads them; null when all are 8. */
export function packZeroPoints(zeros: Uint8Array, n: number, blocks: number): Uint8Array | null {
  if (zeros.every((z) => z === SYMMETRIC_ZERO)) return null;
  const stride = Math.ceil(blocks / 2);
  const out = new Uint8Array(n * stride);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) out[row * stride + (b >> 1)]! |= zeros[row * blocks + b]! << ((b & 1) * 4);
  }
  return out;
}

/** An [n, k] MatMulNBits weight to fill, with no zero points. */
export function emptyQ4(n: number, k: number, blockSize = RTN_BLOCK): Q4Matrix {
  const blocks = Math.ceil(k / blockSize);
  return { n, k, blockSize, packed: new Uint8Array((n * blocks * blockSize) / 2), scales: new Float32Array(n * blocks), zeroPoints: null };
}

/**
 * Round-to-nearest symmetric 4-bit quantization of a row-major [n, k] float weight, as
 * onnxruntime's MatMul4BitsQuantizer does with is_symmetric: per block the value of largest
 * magnitude maps to -8 (the full range), scales kept fp16-representable so q4 and q4f16 agree.
 * Writes rows into `into` from `row` on when given (a weight quantized a slab of rows at a time).
 */
export function quantizeRtn(weight: Float32Array, n: number, k: number, blockSize = RTN_BLOCK, into?: { m: Q4Matrix; row: number }): Q4Matrix {
  // Every Qwen2.5 width is a multiple of 32: blocks never straddle rows, so they are one flat run.
  if (k % blockSize !== 0) throw new EngineError('model_files_invalid', `A weight with ${k} inputs does not split into blocks of ${blockSize}.`);
  const m = into?.m ?? emptyQ4(n, k, blockSize);
  const { packed, scales } = m;
  const firstBlock = ((into?.row ?? 0) * k) / blockSize;
  const blocks = (n * k) / blockSize;
  for (let b = 0; b < blocks; b++) {
    const start = b * blockSize;
    const end = start + blockSize;
    let vmax = 0;
    let amax = 0;
    for (let i = start; i < end; i++) {
      const v = weight[i]!;
      const a = Math.abs(v);
      if (a > amax) {
        amax = a;
        vmax = v;
      }
    }
    const scale = roundToHalf(vmax / -SYMMETRIC_ZERO);
    scales[firstBlock + b] = scale;
    const inv = scale === 0 ? 0 : 1 / scale;
    // |v · inv| is at most 8 (give or take the scale's rounding), so v · inv + 8.5 is positive
    // and its integer part is Math.round(v · inv) + 8.
    let out = ((firstBlock + b) * blockSize) / 2;
    for (let i = start; i < end; i += 2) {
      let lo = (weight[i]! * inv + 8.5) | 0;
      if (lo > 15) lo = 15;
      let hi = (weight[i + 1]! * inv + 8.5) | 0;
      if (hi > 15) hi = 15;
      packed[out++] = lo | (hi << 4);
    }
  }
  return m;
}
