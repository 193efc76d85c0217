// GPTQ 4-bit checkpoints (AutoGPTQ's QuantLinear.pack, GPTQModel's "gptq" checkpoint format,
// which Qwen's -GPTQ-Int4 releases use) to MatMulNBits:
//   qweight int32 [K/8, N]: word [r, n] holds input rows 8r..8r+7 of column n, row 8r+j in bits 4j..4j+3;
//   qzeros  int32 [groups, N/8]: word [g, c] holds columns 8c..8c+7, column 8c+j in bits 4j..;
//           AutoGPTQ stores zero - 1 (GPTQModel's "v1" format), so the zero is (stored + 1) mod 16;
//   scales  fp16 [groups, N]; g_idx int32 [K], the group of each input row.
// Weight[n, k] = scales[g_idx[k], n] * (q[k, n] - zero[g_idx[k], n]).
import { EngineError } from '../protocol/errors.ts';
import { isValidBlockSize, packZeroPoints, type PackedLayout, type PackedTensors, type Q4Matrix } from './q4-matrix.ts';

export interface GptqTensors extends PackedTensors {
  gIdx: Int32Array | null;
}

export interface GptqLayout extends PackedLayout {
  /** GPTQModel's "gptq_v2" stores zeros as they are; "gptq" (v1) stores zero - 1. */
  zerosStoredMinusOne: boolean;
}

export function gptqToQ4(t: GptqTensors, layout: GptqLayout): Q4Matrix {
  const { n, k, groupSize, name } = layout;
  if (!isValidBlockSize(groupSize)) throw refuse(name, `its group size ${groupSize} is not a power of two of at least 16, which MatMulNBits needs`);
  if (k % 8 !== 0 || n % 8 !== 0) throw refuse(name, `its shape ${n}×${k} is not packable by 8`);
  const groups = Math.ceil(k / groupSize);
  if (t.qweight.length !== (k / 8) * n || t.qzeros.length !== groups * (n / 8) || t.scales.length !== groups * n) {
    throw refuse(name, `its qweight, qzeros or scales do not have the sizes of a ${n}×${k} layer in groups of ${groupSize}`);
  }
  if (t.gIdx) checkGroupOrder(t.gIdx, groupSize, name);

  // Transposing the words is the whole unpacking: a qweight word's four bytes are, low to high,
  // input rows (8r, 8r+1), ..., (8r+6, 8r+7) low nibble first, exactly MatMulNBits' bytes.
  const rowBytes = (groups * groupSize) / 2;
  const packed = new Uint8Array(n * rowBytes);
  const words = k / 8;
  for (let r = 0; r < words; r++) {
    for (let col = 0; col < n; col++) {
      const word = t.qweight[r * n + col]!;
      const at = col * rowBytes + r * 4;
      packed[at] = word & 0xff;
      packed[at + 1] = (word >>> 8) & 0xff;
      packed[at + 2] = (word >>> 16) & 0xff;
      packed[at + 3] = (word >>> 24) & 0xff;
    }
  }
  const scales = new Float32Array(n * groups);
  const zeros = new Uint8Array(n * groups);
  const plus = layout.zerosStoredMinusOne ? 1 : 0;
  for (let g = 0; g < groups; g++) {
    for (let col = 0; col < n; col++) {
      scales[col * groups + g] = t.scales[g * n + col]!;
      const stored = (t.qzeros[g * (n / 8) + (col >> 3)]! >>> ((col & 7) * 4)) & 0xf;
      zeros[col * groups + g] = (stored + plus) & 0xf;
    }
  }
  return { n, k, blockSize: groupSize, packed, scales, zeroPoints: packZeroPoints(zeros, n, groups) };
}

/** Act-order (desc_act) checkpoints permute rows across groups; MatMulNBits' blocks are contiguous. */
function checkGroupOrder(gIdx: Int32Array, groupSize: number, name: string): void {
  for (let i = 0; i < gIdx.length; i++) {
    if (gIdx[i] !== Math.floor(i / groupSize)) {
      throw refuse(name, 'it was quantized with act-order (desc_act: true), whose row groups this converter cannot map to MatMulNBits blocks; use a desc_act: false GPTQ release, the AWQ release, or the bf16 model');
    }
  }
}

function refuse(name: string, why: string): EngineError {
  return new EngineError('model_files_invalid', `Cannot convert the GPTQ layer ${name}: ${why}.`, { tensor: name });
}
