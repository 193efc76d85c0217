// What both graph variants share: graph I/O in the hub's contract, the embedding, linear
// layers (MatMulNBits for q4/q4f16, MatMul for fp32), the lm_head, and KV casts.
import { GraphBuilder, MS_DOMAIN, TensorType, type TensorTypeName } from './onnx-graph.ts';
import { toHalfArray } from './fp16.ts';
import type { ModelShape } from './model-shape.ts';
import { planParams, type ParamSpec } from './param-plan.ts';
import { BLOCK_SIZE, WeightSource, dequantize, dequantizeTransposed, type QuantizedMatrix } from './weights.ts';

export const VARIANTS = ['optimum', 'gqa'] as const;
export type Variant = (typeof VARIANTS)[number];
export const DTYPES = ['fp32', 'q4', 'q4f16'] as const;
export type Dtype = (typeof DTYPES)[number];
export type FloatType = 'float32' | 'float16';

export interface GraphOptions {
  shape: ModelShape;
  seed: number;
  dtype: Dtype;
  /** Element type of past_key_values / present; fp32 for fp32 and q4. */
  kvType: FloatType;
  /** optimum only: K/V repeated to every query head, as transformers' eager attention exports. */
  repeatKv?: boolean;
}

/** Symbolic dimension names of the graph inputs and outputs. */
export const DIM = {
  batch: 'batch_size',
  seq: 'sequence_length',
  past: 'past_sequence_length',
  total: 'total_sequence_length',
} as const;

export class QwenGraph {
  readonly g = new GraphBuilder();
  readonly s: ModelShape;
  readonly compute: FloatType;
  readonly #opts: GraphOptions;
  readonly #params: Map<string, ParamSpec>;
  readonly #weights: WeightSource;

  constructor(opts: GraphOptions) {
    this.#opts = opts;
    this.s = opts.shape;
    this.compute = opts.dtype === 'q4f16' ? 'float16' : 'float32';
    this.#params = new Map(planParams(opts.shape).map((p) => [p.name, p]));
    this.#weights = new WeightSource(opts.seed, opts.shape);
  }

  param(name: string): ParamSpec {
    const p = this.#params.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    return p;
  }

  hasParam(name: string): boolean {
    return this.#params.has(name);
  }

  /**
   * Declares the graph I/O in the export's order: input_ids, attention_mask, [position_ids],
   * past_key_values.*; logits, present.*.
   */
  declareIo(withPositionIds: boolean): { inputIds: string; attentionMask: string; positionIds: string | null } {
    const { g, s } = this;
    const kv = this.#opts.kvType;
    const inputIds = g.input('input_ids', 'int64', [DIM.batch, DIM.seq]);
    const attentionMask = g.input('attention_mask', 'int64', [DIM.batch, DIM.total]);
    const positionIds = withPositionIds ? g.input('position_ids', 'int64', [DIM.batch, DIM.seq]) : null;
    g.output('logits', 'float32', [DIM.batch, DIM.seq, s.vocab]);
    for (let i = 0; i < s.layers; i++) {
      for (const which of ['key', 'value'] as const) {
        g.input(`past_key_values.${i}.${which}`, kv, [DIM.batch, s.kvHeads, DIM.past, s.headDim]);
        g.output(`present.${i}.${which}`, kv, [DIM.batch, s.kvHeads, DIM.total, s.headDim]);
      }
    }
    return { inputIds, attentionMask, positionIds };
  }

  /** past_key_values.{i}.{key,value} in the compute type. */
  pastKv(layer: number, which: 'key' | 'value'): string {
    return this.cast(`past_key_values.${layer}.${which}`, this.#opts.kvType, this.compute, `/model/layers.${layer}/attn/past_${which}_cast`);
  }

  /** Routes a compute-type tensor to the present.{i}.{key,value} output. */
  presentKv(layer: number, which: 'key' | 'value', value: string): void {
    this.#castOutput(value, this.#opts.kvType, `/model/layers.${layer}/attn/present_${which}`, `present.${layer}.${which}`);
  }

  logits(x: string): void {
    this.#castOutput(this.lmHead(x), 'float32', '/lm_head/output', 'logits');
  }

  /** Writes `x` (compute type) to the graph output `output` of type `to`. */
  #castOutput(x: string, to: FloatType, nodeName: string, output: string): void {
    const same = to === this.compute;
    this.g.node(same ? 'Identity' : 'Cast', nodeName, [x], { attrs: same ? {} : { to: typeOf(to) }, outputs: [output] });
  }

  cast(x: string, from: FloatType, to: FloatType, name: string): string {
    return from === to ? x : this.g.op('Cast', name, [x], { to: typeOf(to) });
  }

  embedding(inputIds: string): string {
    const spec = this.param('model.embed_tokens.weight');
    const table = this.#floatTensor(spec.name, spec.shape, () => dequantize(this.#weights.matrix(spec)));
    return this.g.op('Gather', '/model/embed_tokens/Gather', [table, inputIds]);
  }

  /** x @ W^T (+ bias) for the HF module at `prefix` (e.g. model.layers.0.mlp.up_proj). */
  linear(x: string, prefix: string, nodePath: string): string {
    const spec = this.param(`${prefix}.weight`);
    const y = this.#matmul(x, spec, prefix, nodePath);
    const biasName = `${prefix}.bias`;
    if (!this.hasParam(biasName)) return y;
    const bias = this.vectorParam(biasName);
    return this.g.op('Add', `${nodePath}/Add`, [y, bias]);
  }

  lmHead(x: string): string {
    const spec = this.s.tied ? this.param('model.embed_tokens.weight') : this.param('lm_head.weight');
    return this.#matmul(x, spec, 'lm_head', '/lm_head');
  }

  /** A bias or norm weight in the compute type. */
  vectorParam(name: string): string {
    const spec = this.param(name);
    return this.#floatTensor(name, spec.shape, () => this.#weights.vector(spec));
  }

  #matmul(x: string, spec: ParamSpec, prefix: string, nodePath: string): string {
    const [n, k] = spec.shape as [number, number];
    const matrix = (): QuantizedMatrix => this.#weights.matrix(spec);
    if (this.#opts.dtype === 'fp32') {
      const w = this.#floatTensor(`${prefix}.MatMul.weight`, [k, n], () => dequantizeTransposed(matrix()));
      return this.g.op('MatMul', `${nodePath}/MatMul`, [x, w]);
    }
    const blocks = k / BLOCK_SIZE;
    const packed = this.g.initializer({
      name: `${prefix}.MatMul.weight_Q4`,
      type: 'uint8',
      dims: [n, blocks, BLOCK_SIZE / 2],
      byteLength: (n * k) / 2,
      produce: () => matrix().packed,
    });
    const scales = this.#floatTensor(`${prefix}.MatMul.weight_scales`, [n * blocks], () => matrix().scales);
    return this.g.op('MatMulNBits', `${nodePath}/MatMul_Q4`, [x, packed, scales], { K: k, N: n, bits: 4, block_size: BLOCK_SIZE }, MS_DOMAIN);
  }

  /** An initializer of fp32 values stored in the compute type. */
  #floatTensor(name: string, dims: number[], values: () => Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const half = this.compute === 'float16';
    return this.g.initializer({
      name,
      type: this.compute,
      dims,
      byteLength: count * (half ? 2 : 4),
      produce: () => {
        const v = values();
        const typed = half ? toHalfArray(v) : v;
        return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      },
    });
  }

  /** A small constant tensor of precomputed values. */
  floatTensorFromValues(name: string, type: FloatType, dims: number[], values: Float32Array): string {
    const typed = type === 'float16' ? toHalfArray(values) : values;
    return this.g.tensor(name, type, dims, typed);
  }
}

export function typeOf(type: TensorTypeName): number {
  return TensorType[type];
}

/** Rotary inverse frequencies theta^(-2i/d), i < d/2. */
export function inverseFrequencies(s: ModelShape): Float32Array {
  const half = s.headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / s.ropeTheta ** ((2 * i) / s.headDim);
  return out;
}
