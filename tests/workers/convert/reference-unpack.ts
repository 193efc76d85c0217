// The formats' own dequantization, written from their reference code and independent of the
// converter's unpacking: AutoGPTQ's shifts over the int32 words (zeros + 1), GPTQModel's AWQ
// reverse order. [n, k] row-major, the PyTorch layout.
import type { Checkpoint } from '../../../workers/convert/checkpoint.ts';

/** AutoGPTQ's dequantization: torch.bitwise_right_shift(qweight.unsqueeze(1), [0, 4, .., 28]) & 15, zeros + 1. */
export function gptqReference(qweight: Int32Array, qzeros: Int32Array, scales: Float32Array, gIdx: Int32Array, n: number, k: number): Float32Array {
  const shifts = [0, 4, 8, 12, 16, 20, 24, 28];
  const w = new Float32Array(n * k);
  for (let i = 0; i < k; i++) {
    const g = gIdx[i]!;
    for (let col = 0; col < n; col++) {
      const q = Number((BigInt(qweight[Math.floor(i / 8) * n + col]!) >> BigInt(shifts[i % 8]!)) & 15n);
      const zero = Number((BigInt(qzeros[g * (n / 8) + Math.floor(col / 8)]!) >> BigInt(shifts[col % 8]!)) & 15n) + 1;
      w[col * k + i] = scales[g * n + col]! * (q - zero);
    }
  }
  return w;
}

/** GPTQModel's AWQ unpack: iweights[:, :, AWQ_REVERSE_ORDER] after the shifts. */
export function awqReference(qweight: Int32Array, qzeros: Int32Array, scales: Float32Array, n: number, k: number, group: number): Float32Array {
  const reverse = [0, 4, 1, 5, 2, 6, 3, 7];
  const unpack = (words: Int32Array, rows: number): Uint8Array => {
    const out = new Uint8Array(rows * n);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < n / 8; c++) {
        const nibbles = Array.from({ length: 8 }, (_, j) => (words[r * (n / 8) + c]! >>> (4 * j)) & 15);
        for (let j = 0; j < 8; j++) out[r * n + c * 8 + j] = nibbles[reverse[j]!]!;
      }
    }
    return out;
  };
  const q = unpack(qweight, k);
  const z = unpack(qzeros, k / group);
  const w = new Float32Array(n * k);
  for (let i = 0; i < k; i++) {
    const g = Math.floor(i / group);
    for (let col = 0; col < n; col++) w[col * k + i] = scales[g * n + col]! * (q[i * n + col]! - z[g * n + col]!);
  }
  return w;
}

export async function referenceWeight(c: Checkpoint, prefix: string, format: 'gptq' | 'awq', n: number, k: number, group = 128): Promise<Float32Array> {
  const qweight = await c.ints(`${prefix}.qweight`);
  const qzeros = await c.ints(`${prefix}.qzeros`);
  const scales = await c.floats(`${prefix}.scales`);
  return format === 'gptq' ? gptqReference(qweight, qzeros, scales, await c.ints(`${prefix}.g_idx`), n, k) : awqReference(qweight, qzeros, scales, n, k, group);
}
