// AWQ 4-bit GEMM checkpoints (AutoAWQ's WQLinear_GEMM.from_linear, which Qwen's -AWQ releases
// use) to MatMulNBits:
//   qweight int32 [K, N/8]: word [k, c] holds columns 8c + AWQ_ORDER[j] in bits 4j..4j+3,
//           AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7) (GPTQModel's awq_gemm names the same order);
//   qzeros  int32 [groups, N/8], packed the same way; zeros are stored as they are;
//   scales  fp16 [groups, N].
// Weight[n, k] = scales[k / group, n] * (q[k, n] - zero[k / group, n]).
import { EngineError } from '../protocol/errors.ts';
import { isValidBlockSize, packZeroPoints, type PackedLayout, type PackedTensors, type Q4Matrix } from './q4-matrix.ts';

export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;

export function awqToQ4(t: PackedTensors, layout: PackedLayout): Q4Matrix {
  const { n, k, groupSize, name } = layout;
  if (!isValidBlockSize(groupSize)) throw refuse(name, `its group size ${groupSize} is not a power of two of at least 16, which MatMulNBits needs`);
  if (n % 8 !== 0) throw refuse(name, `its ${n} output features are not packable by 8`);
  const groups = Math.ceil(k / groupSize);
  const words = n / 8;
  if (t.qweight.length !== k * words || t.qzeros.length !== groups * words || t.scales.length !== groups * n) {
    throw refuse(name, `its qweight, qzeros or scales do not have the sizes of a ${n}×${k} layer in groups of ${groupSize}`);
  }
  const rowBytes = (groups * groupSize) / 2;
  const packed = new Uint8Array(n * rowBytes);
  for (let row = 0; row < k; row++) {
    const byte = row >> 1;
    const shift = (row & 1) * 4;
    for (let c = 0; c < words; c++) {
      const word = t.qweight[row * words + c]!;
      for (let j = 0; j < 8; j++) {
        const col = c * 8 + AWQ_ORDER[j]!;
        packed[col * rowBytes + byte]! |= ((word >>> (4 * j)) & 0xf) << shift;
      }
    }
  }
  const scales = new Float32Array(n * groups);
  const zeros = new Uint8Array(n * groups);
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < words; c++) {
      const word = t.qzeros[g * words + c]!;
      for (let j = 0; j < 8; j++) zeros[(c * 8 + AWQ_ORDER[j]!) * groups + g] = (word >>> (4 * j)) & 0xf;
    }
    for (let col = 0; col < n; col++) scales[col * groups + g] = t.scales[g * n + col]!;
  }
  return { n, k, blockSize: groupSize, packed, scales, zeroPoints: packZeroPoints(zeros, n, groups) };
}

function refuse(name: string, why: string): EngineError {
  return new EngineError('model_files_invalid', `Cannot convert the AWQ layer ${name}: ${why}.`, { tensor: name });
}
