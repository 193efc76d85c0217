// The engine's own Qwen2 graph, built from a checkpoint: the contract onnxruntime-genai's builder
// emits (GroupQueryAttention with rotary inside, SimplifiedLayerNormalization and the fused
// SkipSimplifiedLayerNormalization carrying the residual, MatMulNBits for every linear layer and
// the lm_head) plus the `logits_rows` input built in (logits only for the rows asked for). Graph
// I/O and node names follow the exports the engine already runs (`/model/layers.N/...`), so the
// graph contract, the YaRN rewrite and the split path read it unchanged.
import type { Checkpoint } from './checkpoint.ts';
import type { GraphBuilder } from './graph-builder.ts';
import { toFloat16 } from './float-bits.ts';
import { MS_DOMAIN } from './onnx-writer.ts';
import { blockCount, emptyQ4, quantizeRtn, type Q4Matrix } from './q4-matrix.ts';
import type { WeightFormat } from './weight-format.ts';
import { EngineError } from '../protocol/errors.ts';
import { LOGITS_ROWS } from '../engine/graph-rewrite/logits-slice.ts';
import { configNumber } from '../engine/graph-contract.ts';
import type { QwenDims } from '../protocol/model-size.ts';

export type ComputeType = 'float32' | 'float16';

/** The architecture's sizes (protocol/model-size.ts's), and the numbers the graph bakes in. */
export interface QwenShape extends QwenDims {
  ropeTheta: number;
  rmsEps: number;
}

export interface BuildOptions {
  config: Record<string, unknown>;
  format: WeightFormat;
  /** float32 for q4 (WASM, and WebGPU without shader-f16), float16 for q4f16. */
  compute: ComputeType;
  /** Source bytes per slab when a table streams (the embedding, the lm_head). */
  slabBytes?: number;
  /** After each decoder layer and table: parts done of `total`. */
  onProgress?: (done: number, total: number) => void;
}


export function qwenShape(config: Record<string, unknown>): QwenShape {
  const num = (key: string): number => configNumber(config, key);
  const heads = num('num_attention_heads');
  return {
    hidden: num('hidden_size'),
    intermediate: num('intermediate_size'),
    layers: num('num_hidden_layers'),
    heads,
    kvHeads: num('num_key_value_heads'),
    headDim: num('hidden_size') / heads,
    vocab: num('vocab_size'),
    tied: config['tie_word_embeddings'] === true,
    maxPositions: num('max_position_embeddings'),
    ropeTheta: num('rope_theta'),
    rmsEps: num('rms_norm_eps'),
  };
}

/** Builds the graph into `g`, streaming every weight into its sink; `g` encodes the graph after. */
export async function buildQwenGraph(checkpoint: Checkpoint, g: GraphBuilder, options: BuildOptions): Promise<GraphBuilder> {
  const s = qwenShape(options.config);
  const b = new QwenBuild(g, s, checkpoint, options);
  const total = s.layers + 2;
  const kv = options.compute;
  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  g.output('logits', 'float32', ['batch_size', LOGITS_ROWS, s.vocab]);
  for (let i = 0; i < s.layers; i++) {
    for (const which of ['key', 'value'] as const) {
      g.input(`past_key_values.${i}.${which}`, kv, ['batch_size', s.kvHeads, 'past_sequence_length', s.headDim]);
      g.output(`present.${i}.${which}`, kv, ['batch_size', s.kvHeads, 'total_sequence_length', s.headDim]);
    }
  }
  const logitsRows = g.input(LOGITS_ROWS, 'int64', [LOGITS_ROWS]);

  const lengths = sequenceLengths(g, attentionMask);
  const rotary = await b.rotaryCaches();
  let residual = g.op('Gather', '/model/embed_tokens/Gather', [await b.embeddingTable(), inputIds]);
  options.onProgress?.(1, total);
  let x = g.op('SimplifiedLayerNormalization', '/model/layers.0/input_layernorm', [residual, await b.vector('model.layers.0.input_layernorm.weight')], { axis: -1, epsilon: { float: s.rmsEps }, stash_type: 1 });
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    const path = `/model/layers.${i}`;
    const q = await b.linear(x, `${p}.self_attn.q_proj`, `${path}/attn/q_proj`);
    const k = await b.linear(x, `${p}.self_attn.k_proj`, `${path}/attn/k_proj`);
    const v = await b.linear(x, `${p}.self_attn.v_proj`, `${path}/attn/v_proj`);
    const [attnOut] = g.node('GroupQueryAttention', `${path}/attn/GroupQueryAttention`, [q, k, v, `past_key_values.${i}.key`, `past_key_values.${i}.value`, lengths.seqlensK, lengths.total, rotary.cos, rotary.sin], {
      domain: MS_DOMAIN,
      outputs: [`${path}/attn/GroupQueryAttention/output_0`, `present.${i}.key`, `present.${i}.value`],
      attrs: { num_heads: s.heads, kv_num_heads: s.kvHeads, do_rotary: 1, rotary_interleaved: 0, scale: { float: 1 / Math.sqrt(s.headDim) } },
    }) as [string];
    const attn = await b.linear(attnOut, `${p}.self_attn.o_proj`, `${path}/attn/o_proj`);
    [x, residual] = await b.skipNorm(attn, residual, `${p}.post_attention_layernorm.weight`, `${path}/post_attention_layernorm`);
    const gate = await b.linear(x, `${p}.mlp.gate_proj`, `${path}/mlp/gate_proj`);
    const up = await b.linear(x, `${p}.mlp.up_proj`, `${path}/mlp/up_proj`);
    const silu = g.op('Mul', `${path}/mlp/act/Mul`, [gate, g.op('Sigmoid', `${path}/mlp/act/Sigmoid`, [gate])]);
    const mlp = await b.linear(g.op('Mul', `${path}/mlp/Mul`, [silu, up]), `${p}.mlp.down_proj`, `${path}/mlp/down_proj`);
    const last = i === s.layers - 1;
    const nextNorm = last ? 'model.norm.weight' : `model.layers.${i + 1}.input_layernorm.weight`;
    [x, residual] = await b.skipNorm(mlp, residual, nextNorm, last ? '/model/norm' : `/model/layers.${i + 1}/input_layernorm`);
    options.onProgress?.(i + 2, total);
  }
  // Only the rows asked for reach the lm_head (decoding asks for one).
  const rows = g.op('Gather', '/model/logits_rows/Gather', [x, logitsRows], { axis: 1 });
  const logits = await b.lmHead(rows);
  if (options.compute === 'float32') g.node('Identity', '/lm_head/output', [logits], { outputs: ['logits'] });
  else g.node('Cast', '/lm_head/output', [logits], { attrs: { to: 1 }, outputs: ['logits'] });
  options.onProgress?.(total, total);
  return g;
}

interface Q4Tensors {
  names: string[];
  attrs: { K: number; N: number; bits: number; block_size: number };
}

class QwenBuild {
  readonly #g: GraphBuilder;
  readonly #s: QwenShape;
  readonly #checkpoint: Checkpoint;
  readonly #options: BuildOptions;
  /** The tied lm_head's initializers, written with the embedding table. */
  #tiedHead: Q4Tensors | null = null;
  #half = new Uint16Array(0);

  constructor(g: GraphBuilder, s: QwenShape, checkpoint: Checkpoint, options: BuildOptions) {
    this.#g = g;
    this.#s = s;
    this.#checkpoint = checkpoint;
    this.#options = options;
  }

  get #compute(): ComputeType {
    return this.#options.compute;
  }

  async vector(name: string): Promise<string> {
    const values = await this.#checkpoint.floats(name);
    return this.#g.tensor(name, this.#compute, [values.length], this.#floatBytes(values));
  }

  /** x @ W^T (+ bias) for the module at `prefix`. */
  async linear(x: string, prefix: string, path: string): Promise<string> {
    const y = this.#matMulNBits(x, path, await this.#q4Tensors(prefix, await this.#checkpoint.linear(prefix, this.#options.format)));
    if (!this.#checkpoint.has(`${prefix}.bias`)) return y;
    return this.#g.op('Add', `${path}/Add`, [y, await this.vector(`${prefix}.bias`)]);
  }

  /** A MatMulNBits weight's initializers (packed, scales, zero points), written now. */
  async #q4Tensors(prefix: string, m: Q4Matrix): Promise<Q4Tensors> {
    const g = this.#g;
    const blocks = blockCount(m);
    const names = [
      await g.tensor(`${prefix}.MatMul.weight_Q4`, 'uint8', [m.n, blocks, m.blockSize / 2], m.packed),
      await g.tensor(`${prefix}.MatMul.weight_scales`, this.#compute, [m.n * blocks], this.#floatBytes(m.scales)),
    ];
    if (m.zeroPoints) names.push(await g.tensor(`${prefix}.MatMul.weight_zp`, 'uint8', [m.zeroPoints.byteLength], m.zeroPoints));
    return { names, attrs: { K: m.k, N: m.n, bits: 4, block_size: m.blockSize } };
  }

  #matMulNBits(x: string, path: string, weight: Q4Tensors): string {
    return this.#g.op('MatMulNBits', `${path}/MatMul_Q4`, [x, ...weight.names], weight.attrs, MS_DOMAIN);
  }

  /** Float values as the compute type's bytes; valid until the next call (the sink has copied them by then). */
  #floatBytes(values: Float32Array): Uint8Array {
    if (this.#compute === 'float32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (this.#half.length < values.length) this.#half = new Uint16Array(values.length);
    const half = toFloat16(values, this.#half);
    return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
  }

  /**
   * The embedding table in the compute type, a slab of rows at a time. A tied lm_head is
   * quantized from the same slabs and written right after it, so the table is read once.
   */
  async embeddingTable(): Promise<string> {
    const name = 'model.embed_tokens.weight';
    const { vocab, hidden } = this.#s;
    const entry = this.#checkpoint.entry(name);
    if (entry.shape[0] !== vocab || entry.shape[1] !== hidden) throw new EngineError('model_files_invalid', `${name} is [${entry.shape.join(', ')}], not [${vocab}, ${hidden}].`, { tensor: name });
    const head = this.#s.tied ? emptyQ4(vocab, hidden) : null;
    const perSlab = this.#checkpoint.slabRows(name, this.#options.slabBytes);
    const checkpoint = this.#checkpoint;
    const bytes = (values: Float32Array): Uint8Array => this.#floatBytes(values);
    const pieces = (async function* () {
      for (let row = 0; row < vocab; row += perSlab) {
        const count = Math.min(perSlab, vocab - row);
        const rows = await checkpoint.floatRows(name, row, row + count);
        if (head) quantizeRtn(rows, count, hidden, undefined, { m: head, row });
        yield bytes(rows);
      }
    })();
    const table = await this.#g.streamed(name, this.#compute, [vocab, hidden], vocab * hidden * (this.#compute === 'float32' ? 4 : 2), pieces);
    if (head) this.#tiedHead = await this.#q4Tensors('lm_head', head);
    return table;
  }

  /** The lm_head at 4 bits: the tied one written with the embedding, else lm_head.weight (round-to-nearest by slabs, or as its release packed it). */
  async lmHead(x: string): Promise<string> {
    const inputs = this.#tiedHead ?? (await this.#q4Tensors('lm_head', await this.#checkpoint.linear('lm_head', this.#options.format)));
    return this.#matMulNBits(x, '/lm_head', inputs);
  }

  /** normalize(x + residual) and the new residual, in one fused node. */  /** normalize(x + residual) and the new residual, in one fused node. */
  async skipNorm(x: string, residual: string, weight: string, path: string): Promise<[string, string]> {
    const [normed, sum] = [`${path}/output_0`, `${path}/output_3`];
    this.#g.node('SkipSimplifiedLayerNormalization', path, [x, residual, await this.vector(weight)], { domain: MS_DOMAIN, outputs: [normed, '', '', sum], attrs: { epsilon: { float: this.#s.rmsEps } } });
    return [normed, sum];
  }

  /** cos/sin caches [max_position_embeddings, head_dim / 2], angles in fp32 as transformers computes them. */
  async rotaryCaches(): Promise<{ cos: string; sin: string }> {
    const { maxPositions, headDim, ropeTheta } = this.#s;
    const half = headDim / 2;
    const cos = new Float32Array(maxPositions * half);
    const sin = new Float32Array(maxPositions * half);
    for (let i = 0; i < half; i++) {
      const inv = Math.fround(1 / ropeTheta ** ((2 * i) / headDim));
      for (let pos = 0; pos < maxPositions; pos++) {
        const angle = Math.fround(pos * inv);
        cos[pos * half + i] = Math.cos(angle);
        sin[pos * half + i] = Math.sin(angle);
      }
    }
    return {
      cos: await this.#g.tensor('cos_cache', this.#compute, [maxPositions, half], this.#floatBytes(cos)),
      sin: await this.#g.tensor('sin_cache', this.#compute, [maxPositions, half], this.#floatBytes(sin)),
    };
  }
}

/** GroupQueryAttention's lengths from attention_mask: seqlens_k = valid tokens - 1, and the total. */
function sequenceLengths(g: GraphBuilder, attentionMask: string): { seqlensK: string; total: string } {
  const p = '/model/attn_mask';
  const valid = g.op('ReduceSum', `${p}/ReduceSum`, [attentionMask, g.int64([1])], { keepdims: 0 });
  const seqlensK = g.op('Cast', `${p}/seqlens_k`, [g.op('Sub', `${p}/Sub`, [valid, g.int64([1], true)])], { to: 6 });
  const total = g.op('Gather', `${p}/total`, [g.op('Shape', `${p}/Shape`, [attentionMask]), g.int64([1], true)], { axis: 0 });
  return { seqlensK, total: g.op('Cast', `${p}/total_seq_len`, [total], { to: 6 }) };
}
