// Qwen's own 4-bit releases, re-made from the forge's float weights the way their tools pack
// them, so the converter is tested against the real layouts:
// - GPTQ: AutoGPTQ's Quantizer (sym: scale = 2·max|w| / 15, zero 8) and QuantLinear.pack
//   (qweight [K/8, N], eight input rows per int32 word; qzeros [groups, N/8] holding zero - 1;
//   scales [groups, N]; g_idx [K]).
// - AWQ: AutoAWQ's pseudo_quantize_tensor (zero point: scale = (max - min) / 15, zero =
//   -round(min / scale)) and WQLinear_GEMM.from_linear (qweight [K, N/8], eight output columns
//   per word in the order 0, 2, 4, 6, 1, 3, 5, 7; qzeros [groups, N/8] the same way).
// Scales are rounded to fp16 before quantizing, as the stored fp16 scales are what dequantize.
import { roundToHalf } from './fp16.ts';

export interface PackedLinear {
  qweight: Int32Array;
  qzeros: Int32Array;
  /** [groups, N], fp16-representable. */
  scales: Float32Array;
}

const AWQ_PACK_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];

/** `w` is the PyTorch [n, k] weight, row-major. */
export function packGptq(w: Float32Array, n: number, k: number, group: number): PackedLinear & { gIdx: Int32Array } {
  const groups = k / group;
  const scales = new Float32Array(groups * n);
  const q = new Uint8Array(k * n); // [k, n]
  for (let row = 0; row < n; row++) {
    for (let g = 0; g < groups; g++) {
      let amax = 0;
      for (let i = g * group; i < (g + 1) * group; i++) amax = Math.max(amax, Math.abs(w[row * k + i]!));
      const scale = roundToHalf(amax === 0 ? 2 / 15 : (2 * amax) / 15);
      scales[g * n + row] = scale;
      for (let i = g * group; i < (g + 1) * group; i++) q[i * n + row] = clamp(Math.round(w[row * k + i]! / scale) + 8);
    }
  }
  const qweight = new Int32Array((k / 8) * n);
  for (let r = 0; r < k / 8; r++) {
    for (let col = 0; col < n; col++) {
      let word = 0;
      for (let j = 0; j < 8; j++) word |= q[(8 * r + j) * n + col]! << (4 * j);
      qweight[r * n + col] = word;
    }
  }
  // Symmetric: every zero is 8, stored as 7 (AutoGPTQ's `zeros -= 1` before packing).
  const qzeros = new Int32Array(groups * (n / 8));
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < n / 8; c++) {
      let word = 0;
      for (let j = 0; j < 8; j++) word |= (8 - 1) << (4 * j);
      qzeros[g * (n / 8) + c] = word;
    }
  }
  const gIdx = Int32Array.from({ length: k }, (_, i) => Math.floor(i / group));
  return { qweight, qzeros, scales, gIdx };
}

export function packAwq(w: Float32Array, n: number, k: number, group: number): PackedLinear {
  const groups = k / group;
  const scales = new Float32Array(groups * n);
  const zeros = new Uint8Array(groups * n); // [groups, n]
  const q = new Uint8Array(k * n); // [k, n]
  for (let row = 0; row < n; row++) {
    for (let g = 0; g < groups; g++) {
      let max = -Infinity;
      let min = Infinity;
      for (let i = g * group; i < (g + 1) * group; i++) {
        max = Math.max(max, w[row * k + i]!);
        min = Math.min(min, w[row * k + i]!);
      }
      const scale = roundToHalf(Math.max(max - min, 1e-5) / 15);
      const zero = clamp(-Math.round(min / scale));
      scales[g * n + row] = scale;
      zeros[g * n + row] = zero;
      for (let i = g * group; i < (g + 1) * group; i++) q[i * n + row] = clamp(Math.round(w[row * k + i]! / scale) + zero);
    }
  }
  const words = n / 8;
  const pack = (values: Uint8Array, rows: number): Int32Array => {
    const out = new Int32Array(rows * words);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < words; c++) {
        let word = 0;
        for (let j = 0; j < 8; j++) word |= values[r * n + c * 8 + AWQ_PACK_ORDER[j]!]! << (4 * j);
        out[r * words + c] = word;
      }
    }
    return out;
  };
  return { qweight: pack(q, k), qzeros: pack(zeros, groups), scales };
}

function clamp(q: number): number {
  return Math.min(15, Math.max(0, q));
}
