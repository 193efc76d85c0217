// Synthetic weight values. Matrices are drawn as Gaussians and quantized to the 4-bit grid
// (blocks of 32 along the input dimension, fp16 scales, the MatMulNBits symmetric rule), so
// the fp32, q4 and q4f16 files all hold the same function up to arithmetic precision.
import { Random } from './random.ts';
import { roundToHalf } from './fp16.ts';
import type { ModelShape } from './model-shape.ts';
import type { ParamSpec } from './param-plan.ts';

export const BLOCK_SIZE = 32;
const ZERO_POINT = 8;

/** A [rows, cols] matrix on the 4-bit grid: value = (q - 8) * scale of its block. */
export interface QuantizedMatrix {
  rows: number;
  cols: number;
  /** MatMulNBits layout: [rows][cols / 32][16 bytes], low nibble first. */
  packed: Uint8Array;
  /** One fp16-representable scale per block, [rows * cols / 32]. */
  scales: Float32Array;
}

/** Standard deviation of each kind of parameter; chosen so the model is not degenerate. */
export const EMBEDDING_STD = 0.02;
const BIAS_STD = 0.1;
const NORM_JITTER = 0.1;
/** Target standard deviation of the logits, reached through the final norm's weight. */
const LOGIT_STD = 3;

export class WeightSource {
  readonly #seed: number;
  readonly #shape: ModelShape;
  #last: { name: string; matrix: QuantizedMatrix } | null = null;

  constructor(seed: number, shape: ModelShape) {
    this.#seed = seed;
    this.#shape = shape;
  }

  matrix(spec: ParamSpec): QuantizedMatrix {
    // A matrix's packed weights and its scales are written one after the other: keep the last.
    if (this.#last?.name === spec.name) return this.#last.matrix;
    const [rows, cols] = spec.shape as [number, number];
    const std = spec.kind === 'embedding' ? EMBEDDING_STD : 1 / Math.sqrt(cols);
    const matrix = quantizeGaussian(new Random(this.#seed, spec.name), rows, cols, std);
    this.#last = { name: spec.name, matrix };
    return matrix;
  }

  /** Biases and norm weights, fp16-representable. */
  vector(spec: ParamSpec): Float32Array {
    const random = new Random(this.#seed, spec.name);
    const n = spec.shape[0]!;
    const out = new Float32Array(n);
    const finalNorm = spec.name === 'model.norm.weight';
    const gain = finalNorm ? LOGIT_STD / (EMBEDDING_STD * Math.sqrt(this.#shape.hidden)) : 1;
    for (let i = 0; i < n; i++) {
      const v = spec.kind === 'bias' ? BIAS_STD * random.normal() : gain * (1 + NORM_JITTER * random.normal());
      out[i] = roundToHalf(v);
    }
    return out;
  }
}

function quantizeGaussian(random: Random, rows: number, cols: number, std: number): QuantizedMatrix {
  if (cols % BLOCK_SIZE !== 0) throw new Error(`input dimension ${cols} is not a multiple of ${BLOCK_SIZE}`);
  const blocksPerRow = cols / BLOCK_SIZE;
  const packed = new Uint8Array((rows * cols) / 2);
  const scales = new Float32Array(rows * blocksPerRow);
  const block = new Float64Array(BLOCK_SIZE);
  for (let b = 0; b < rows * blocksPerRow; b++) {
    let vmax = 0;
    for (let j = 0; j < BLOCK_SIZE; j++) {
      const v = std * random.normal();
      block[j] = v;
      if (Math.abs(v) > Math.abs(vmax)) vmax = v;
    }
    // onnxruntime's symmetric rule: the largest magnitude maps to -8, the full 4-bit range.
    const scale = roundToHalf(vmax / -ZERO_POINT);
    scales[b] = scale;
    const base = b * (BLOCK_SIZE / 2);
    for (let j = 0; j < BLOCK_SIZE; j += 2) {
      const lo = quantize(block[j]!, scale);
      const hi = quantize(block[j + 1]!, scale);
      packed[base + j / 2] = lo | (hi << 4);
    }
  }
  return { rows, cols, packed, scales };
}

function quantize(v: number, scale: number): number {
  if (scale === 0) return ZERO_POINT;
  return Math.min(15, Math.max(0, Math.round(v / scale) + ZERO_POINT));
}

/** Row-major [rows, cols] dequantized values. */
export function dequantize(m: QuantizedMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < out.length; i += 2) {
    const byte = m.packed[i >> 1]!;
    const scale = m.scales[Math.floor(i / BLOCK_SIZE)]!;
    out[i] = ((byte & 0x0f) - ZERO_POINT) * scale;
    out[i + 1] = ((byte >> 4) - ZERO_POINT) * scale;
  }
  return out;
}

/** Dequantized and transposed to ONNX MatMul's [in, out] layout. */
export function dequantizeTransposed(m: QuantizedMatrix): Float32Array {
  const rowMajor = dequantize(m);
  const out = new Float32Array(rowMajor.length);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) out[c * m.rows + r] = rowMajor[r * m.cols + c]!;
  }
  return out;
}
