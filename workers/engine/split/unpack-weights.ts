// 4-bit weights unpacked to float32 at load, for the WASM EP: onnxruntime-web's MatMulNBits has no
// WASM kernel of its own, so every call unpacks its whole weight before a float32 GEMM (a decode
// step of 896×4864 took 15 ms, a MatMul on the same values unpacked once 0.6 ms). A MatMulNBits
// chosen here becomes a MatMul over its values unpacked once, the same numbers, at 8× the memory.
import { DATA_TYPE } from '../graph-rewrite/graph-edit.ts';
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx-model.ts';
import type { FilePart, StoredPart } from './stage-graphs.ts';

/** Where the values of a MatMulNBits to unpack are, and its shape. */
export interface UnpackSource {
  weight: OnnxTensor;
  scales: OnnxTensor;
  /** Input features (K) and output features (N). */
  k: number;
  n: number;
  blockSize: number;
}

/** The bytes of its float32 values. */
export function unpackedSize(source: Pick<UnpackSource, 'k' | 'n'>): number {
  return source.k * source.n * 4;
}

/** A MatMulNBits to rewrite as a MatMul, by node name. */
export type UnpackPlan = Map<string, UnpackSource>;

const MS_DOMAIN = 'com.microsoft';

/**
 * The MatMulNBits to unpack while the memory they add (float32 values less the packed weight and
 * scales) stays within `extraBytes`: the lm_head first (the largest), then layer by layer. Only
 * symmetric 4-bit ones with float32 scales (the q4 builds; q4f16 computes in float16) whose float32
 * values fit one piece; the rest stay as they are.
 */
export function planUnpack(model: OnnxModel, extraBytes: number, pieceBytes: number): UnpackPlan {
  const plan: UnpackPlan = new Map();
  const candidates = model.nodes.flatMap((node) => {
    const source = unpackable(model, node);
    return source && unpackedSize(source) <= pieceBytes ? [{ node, source }] : [];
  });
  candidates.sort((a, b) => Number(a.node.layer !== null) - Number(b.node.layer !== null));
  let left = extraBytes;
  for (const { node, source } of candidates) {
    const added = addedBytes(source);
    if (added > left) continue;
    left -= added;
    plan.set(node.name, source);
  }
  return plan;
}

/** The float32 bytes a plan unpacks, and the memory it adds (less the packed weights and scales). */
export function planBytes(plan: UnpackPlan): { unpackedBytes: number; addedBytes: number } {
  let unpackedBytes = 0;
  let added = 0;
  for (const source of plan.values()) {
    unpackedBytes += unpackedSize(source);
    added += addedBytes(source);
  }
  return { unpackedBytes, addedBytes: added };
}

/** The memory unpacking one weight adds: its float32 values less its packed weight and scales. */
function addedBytes(source: UnpackSource): number {
  return unpackedSize(source) - source.weight.bytes - source.scales.bytes;
}

function unpackable(model: OnnxModel, node: OnnxNode): UnpackSource | null {
  if (node.opType !== 'MatMulNBits' || node.domain !== MS_DOMAIN || node.ints.get('bits') !== 4) return null;
  // A zero_points, g_idx or bias input: not the symmetric layout unpacked here ('' is an absent one).
  if (node.inputs.length < 3 || node.inputs.slice(3).some((name) => name !== '')) return null;
  const weight = model.initializers.get(node.inputs[1]!);
  const scales = model.initializers.get(node.inputs[2]!);
  const k = node.ints.get('K');
  const n = node.ints.get('N');
  const blockSize = node.ints.get('block_size');
  if (!weight || !scales || !k || !n || !blockSize || weight.dataType !== DATA_TYPE.uint8 || scales.dataType !== DATA_TYPE.float32) return null;
  const blocks = Math.ceil(k / blockSize);
  if (weight.bytes !== n * blocks * (blockSize / 2) || scales.bytes !== n * blocks * 4) return null;
  return { weight, scales, k, n, blockSize };
}

/**
 * MatMul's [K, N] float32 values of a MatMulNBits weight ([N][blocks][blockSize / 2] bytes, low
 * nibble first, value = (q - 8) × its block's scale), into `out` when given. Rows are unpacked
 * sixteen at a time, so the transposed writes fill whole cache lines.
 */
export function unpackTransposed(
  packed: Uint8Array,
  scales: Float32Array,
  source: Pick<UnpackSource, 'k' | 'n' | 'blockSize'>,
  out = new Float32Array(source.k * source.n),
): Float32Array {
  const { k, n, blockSize } = source;
  const blocks = Math.ceil(k / blockSize);
  const rowBytes = blocks * (blockSize / 2);
  const width = blocks * blockSize;
  const rows = new Float32Array(ROWS_AT_ONCE * width);
  for (let first = 0; first < n; first += ROWS_AT_ONCE) {
    const count = Math.min(ROWS_AT_ONCE, n - first);
    for (let i = 0; i < count; i++) {
      const r = first + i;
      for (let b = 0; b < blocks; b++) {
        const scale = scales[r * blocks + b]!;
        const at = r * rowBytes + b * (blockSize / 2);
        const to = i * width + b * blockSize;
        for (let j = 0; j < blockSize / 2; j++) {
          const byte = packed[at + j]!;
          rows[to + 2 * j] = ((byte & 0x0f) - 8) * scale;
          rows[to + 2 * j + 1] = ((byte >> 4) - 8) * scale;
        }
      }
    }
    for (let c = 0; c < k; c++) {
      const base = c * n + first;
      for (let i = 0; i < count; i++) out[base + i] = rows[i * width + c]!;
    }
  }
  return out;
}

const ROWS_AT_ONCE = 16;

/**
 * A stage file holding unpacked values, as bytes: its unpacked parts made now from the weights
 * and scales `read` fetches, its other parts read as they are. (Blob storage is no place for
 * them: Chrome's in-memory share of it is too small, and the read then fails.)
 */
export async function stageFileBytes(parts: readonly FilePart[], read: (part: StoredPart) => Promise<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    if ('unpack' in part) {
      const { weight, scales, ...shape } = part.unpack;
      // A copy: the scales' bytes need not start on a 4-byte boundary.
      const scaleBytes = new Uint8Array(scales.length);
      scaleBytes.set(await read(scales));
      const values = new Float32Array(scaleBytes.buffer);
      // Straight into the file where its offset allows: each fresh gigabyte costs seconds of page faults.
      if (at % 4 === 0) unpackTransposed(await read(weight), values, shape, new Float32Array(out.buffer, at, shape.k * shape.n));
      else out.set(new Uint8Array(unpackTransposed(await read(weight), values, shape).buffer), at);
    } else out.set(await read(part), at);
    at += part.length;
  }
  return out;
}
