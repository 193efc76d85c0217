// How many bytes a Qwen2 model takes in each form, from its architecture alone: Qwen's
// checkpoints (bf16, GPTQ-Int4, AWQ) as downloaded, and the INT4 ONNX model the converter builds
// from them. The catalog sizes downloads and memory with it before anything is fetched; the
// store checks the quota with it before a download.

export interface QwenDims {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  tied: boolean;
  maxPositions: number;
}

export type Release = 'bf16' | 'gptq' | 'awq';
/** Qwen's GPTQ-Int4 and AWQ releases quantize in groups of 128. */
export const RELEASE_GROUP_SIZE = 128;
/** The converter quantizes float weights (and every lm_head) in blocks of 32, as onnx-community's q4 builds do. */
export const RTN_BLOCK = 32;
/** YaRN's factor on Qwen2.5's rotary embedding, as its model cards set it: 32,768 positions read as 131,072. */
export const QWEN_YARN_FACTOR = 4;

/** [out, in] of each linear layer of one decoder layer. */
function layerMatrices(d: QwenDims): [number, number][] {
  const q = d.heads * d.headDim;
  const kv = d.kvHeads * d.headDim;
  return [
    [q, d.hidden],
    [kv, d.hidden],
    [kv, d.hidden],
    [d.hidden, q],
    [d.intermediate, d.hidden],
    [d.intermediate, d.hidden],
    [d.hidden, d.intermediate],
  ];
}

/** Norm weights and the q/k/v biases, per layer. */
function layerVectors(d: QwenDims): number {
  return 2 * d.hidden + d.heads * d.headDim + 2 * d.kvHeads * d.headDim;
}

/** The safetensors bytes of a release (headers aside). */
export function checkpointBytes(d: QwenDims, release: Release): number {
  const embedding = d.vocab * d.hidden * 2;
  const lmHead = d.tied ? 0 : embedding;
  const vectors = (d.layers * layerVectors(d) + d.hidden) * 2;
  const matrices = layerMatrices(d);
  const linear =
    release === 'bf16'
      ? matrices.reduce((sum, [n, k]) => sum + n * k * 2, 0)
      : matrices.reduce((sum, [n, k]) => {
          const groups = Math.ceil(k / RELEASE_GROUP_SIZE);
          // qweight at 4 bits, fp16 scales, int32 words of 8 zero points, and GPTQ's int32 g_idx.
          return sum + (n * k) / 2 + groups * n * 2 + (groups * n) / 2 + (release === 'gptq' ? k * 4 : 0);
        }, 0);
  return embedding + lmHead + vectors + d.layers * linear;
}

/**
 * The converted model (graph and external data): the embedding in the compute type, every
 * linear layer and the lm_head at 4 bits with a scale (and for GPTQ/AWQ a zero point) per
 * block, the norms and biases, and the rotary cos/sin tables.
 */
export function convertedBytes(d: QwenDims, source: Release, dtype: 'q4' | 'q4f16'): number {
  const float = dtype === 'q4f16' ? 2 : 4;
  const block = source === 'bf16' ? RTN_BLOCK : RELEASE_GROUP_SIZE;
  const zeroPoint = source === 'awq' ? 0.5 : 0;
  const matrix = (n: number, k: number, size: number, zero: number): number => (n * k) / 2 + n * Math.ceil(k / size) * (float + zero);
  const linear = layerMatrices(d).reduce((sum, [n, k]) => sum + matrix(n, k, block, zeroPoint), 0);
  return d.vocab * d.hidden * float + d.layers * (linear + layerVectors(d) * float) + d.hidden * float + matrix(d.vocab, d.hidden, RTN_BLOCK, 0) + d.maxPositions * d.headDim * float;
}
