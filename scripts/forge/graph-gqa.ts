// The `gqa` variant, as the onnxruntime-genai builder emits it: GroupQueryAttention with
// rotary inside (no position_ids input), SimplifiedLayerNormalization and the fused
// SkipSimplifiedLayerNormalization that carries the residual stream.
import { QwenGraph, inverseFrequencies, typeOf, type GraphOptions } from './graph-common.ts';
import { MS_DOMAIN } from './onnx-graph.ts';
import { layerPrefix } from './param-plan.ts';

export function buildGqaGraph(opts: GraphOptions): QwenGraph {
  const q = new QwenGraph(opts);
  const { g, s } = q;
  const { inputIds, attentionMask } = q.declareIo(false);
  const lengths = sequenceLengths(q, attentionMask);
  const rotary = rotaryCaches(q);
  const eps = { float: s.rmsEps };

  let residual = q.embedding(inputIds);
  let x = g.op('SimplifiedLayerNormalization', '/model/layers.0/input_layernorm', [residual, q.vectorParam(`${layerPrefix(0)}.input_layernorm.weight`)], { axis: -1, epsilon: eps, stash_type: 1 });
  for (let i = 0; i < s.layers; i++) {
    const p = layerPrefix(i);
    const path = `/model/layers.${i}`;
    const [attnOut, presentKey, presentValue] = g.node(
      'GroupQueryAttention',
      `${path}/attn/GroupQueryAttention`,
      [
        q.linear(x, `${p}.self_attn.q_proj`, `${path}/attn/q_proj`),
        q.linear(x, `${p}.self_attn.k_proj`, `${path}/attn/k_proj`),
        q.linear(x, `${p}.self_attn.v_proj`, `${path}/attn/v_proj`),
        q.pastKv(i, 'key'),
        q.pastKv(i, 'value'),
        lengths.seqlensK,
        lengths.total,
        rotary.cos,
        rotary.sin,
      ],
      {
        domain: MS_DOMAIN,
        outputs: 3,
        attrs: { num_heads: s.heads, kv_num_heads: s.kvHeads, do_rotary: 1, rotary_interleaved: 0, scale: { float: 1 / Math.sqrt(s.headDim) } },
      },
    ) as [string, string, string];
    q.presentKv(i, 'key', presentKey);
    q.presentKv(i, 'value', presentValue);
    const attn = q.linear(attnOut, `${p}.self_attn.o_proj`, `${path}/attn/o_proj`);
    [x, residual] = skipNorm(q, attn, residual, `${p}.post_attention_layernorm.weight`, `${path}/post_attention_layernorm`);
    const gate = q.linear(x, `${p}.mlp.gate_proj`, `${path}/mlp/gate_proj`);
    const up = q.linear(x, `${p}.mlp.up_proj`, `${path}/mlp/up_proj`);
    const silu = g.op('Mul', `${path}/mlp/act/Mul`, [gate, g.op('Sigmoid', `${path}/mlp/act/Sigmoid`, [gate])]);
    const mlp = q.linear(g.op('Mul', `${path}/mlp/Mul`, [silu, up]), `${p}.mlp.down_proj`, `${path}/mlp/down_proj`);
    const last = i === s.layers - 1;
    const nextNorm = last ? 'model.norm.weight' : `${layerPrefix(i + 1)}.input_layernorm.weight`;
    [x, residual] = skipNorm(q, mlp, residual, nextNorm, last ? '/model/norm' : `/model/layers.${i + 1}/input_layernorm`);
  }
  q.logits(x);
  return q;
}

/** normalize(x + residual) and the new residual x + residual, in one fused node. */
function skipNorm(q: QwenGraph, x: string, residual: string, weight: string, path: string): [string, string] {
  const [normed, sum] = [`${path}/output_0`, `${path}/output_3`];
  q.g.node('SkipSimplifiedLayerNormalization', path, [x, residual, q.vectorParam(weight)], {
    domain: MS_DOMAIN,
    outputs: [normed, '', '', sum],
    attrs: { epsilon: { float: q.s.rmsEps } },
  });
  return [normed, sum];
}

/** GroupQueryAttention's lengths from attention_mask: seqlens_k = valid tokens - 1, and the total. */
function sequenceLengths(q: QwenGraph, attentionMask: string): { seqlensK: string; total: string } {
  const { g } = q;
  const p = '/model/attn_mask';
  const valid = g.op('ReduceSum', `${p}/ReduceSum`, [attentionMask, g.int64([1])], { keepdims: 0 });
  const seqlensK = g.op('Cast', `${p}/seqlens_k`, [g.op('Sub', `${p}/Sub`, [valid, g.int64([1], true)])], { to: typeOf('int32') });
  const total = g.op('Gather', `${p}/total`, [g.op('Shape', `${p}/Shape`, [attentionMask]), g.int64([1], true)], { axis: 0 });
  return { seqlensK, total: g.op('Cast', `${p}/total_seq_len`, [total], { to: typeOf('int32') }) };
}

/** cos/sin caches [max_position_embeddings, head_dim / 2] in the compute type. */
function rotaryCaches(q: QwenGraph): { cos: string; sin: string } {
  const { s } = q;
  const half = s.headDim / 2;
  const invFreq = inverseFrequencies(s);
  const cos = new Float32Array(s.maxPositions * half);
  const sin = new Float32Array(s.maxPositions * half);
  for (let pos = 0; pos < s.maxPositions; pos++) {
    for (let i = 0; i < half; i++) {
      // Angles in fp32 as the optimum graph computes them, so both variants agree.
      const angle = Math.fround(pos * invFreq[i]!);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return {
    cos: q.floatTensorFromValues('cos_cache', q.compute, [s.maxPositions, half], cos),
    sin: q.floatTensorFromValues('sin_cache', q.compute, [s.maxPositions, half], sin),
  };
}
