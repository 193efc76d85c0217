// The `optimum` variant: the onnx-community export's contract in plain ONNX ops (opset 14)
// plus MatMulNBits; position_ids drive RoPE, attention_mask gives the causal+padding mask.
import { QwenGraph, inverseFrequencies, typeOf, type GraphOptions } from './graph-common.ts';
import { layerPrefix } from './param-plan.ts';

export function buildOptimumGraph(opts: GraphOptions): QwenGraph {
  const q = new QwenGraph(opts);
  const { g, s } = q;
  const { inputIds, attentionMask, positionIds } = q.declareIo(true);

  const rope = rotaryTables(q, positionIds!);
  const mask = attentionBias(q, inputIds, attentionMask);
  let h = q.embedding(inputIds);
  for (let i = 0; i < s.layers; i++) {
    const p = layerPrefix(i);
    const path = `/model/layers.${i}`;
    const x = rmsNorm(q, h, `${p}.input_layernorm.weight`, `${path}/input_layernorm`);
    const attn = attention(q, x, i, rope, mask, opts.repeatKv ?? false);
    h = g.op('Add', `${path}/residual_attn`, [h, attn]);
    const y = rmsNorm(q, h, `${p}.post_attention_layernorm.weight`, `${path}/post_attention_layernorm`);
    const gate = q.linear(y, `${p}.mlp.gate_proj`, `${path}/mlp/gate_proj`);
    const up = q.linear(y, `${p}.mlp.up_proj`, `${path}/mlp/up_proj`);
    const silu = g.op('Mul', `${path}/mlp/act/Mul`, [gate, g.op('Sigmoid', `${path}/mlp/act/Sigmoid`, [gate])]);
    const mlp = q.linear(g.op('Mul', `${path}/mlp/Mul`, [silu, up]), `${p}.mlp.down_proj`, `${path}/mlp/down_proj`);
    h = g.op('Add', `${path}/residual_mlp`, [h, mlp]);
  }
  q.logits(rmsNorm(q, h, 'model.norm.weight', '/model/norm'));
  return q;
}

interface Rope {
  cos: string;
  sin: string;
}

/** cos/sin of position × inverse frequency, [B, 1, S, head_dim], in the compute type. */
function rotaryTables(q: QwenGraph, positionIds: string): Rope {
  const { g } = q;
  const invFreq = q.floatTensorFromValues('/model/rotary_emb/inv_freq', 'float32', [q.s.headDim / 2], inverseFrequencies(q.s));
  const pos = g.op('Cast', '/model/rotary_emb/Cast', [positionIds], { to: typeOf('float32') });
  const freqs = g.op('Mul', '/model/rotary_emb/Mul', [g.op('Unsqueeze', '/model/rotary_emb/Unsqueeze', [pos, g.int64([-1])]), invFreq]);
  const emb = g.op('Concat', '/model/rotary_emb/Concat', [freqs, freqs], { axis: -1 });
  const table = (fn: 'Cos' | 'Sin'): string => {
    const t = q.cast(g.op(fn, `/model/rotary_emb/${fn}`, [emb]), 'float32', q.compute, `/model/rotary_emb/${fn}_cast`);
    return g.op('Unsqueeze', `/model/rotary_emb/${fn}_unsqueeze`, [t, g.int64([1])]);
  };
  return { cos: table('Cos'), sin: table('Sin') };
}

/** Additive fp32 mask [B, 1, S, total]: 0 where key j <= past + i and attention_mask[j] = 1. */
function attentionBias(q: QwenGraph, inputIds: string, attentionMask: string): string {
  const { g } = q;
  const p = '/model/attn_mask';
  const total = g.op('Gather', `${p}/total`, [g.op('Shape', `${p}/mask_shape`, [attentionMask]), g.int64([1], true)], { axis: 0 });
  const seq = g.op('Gather', `${p}/seq`, [g.op('Shape', `${p}/ids_shape`, [inputIds]), g.int64([1], true)], { axis: 0 });
  const past = g.op('Sub', `${p}/past`, [total, seq]);
  const one = g.int64([1], true);
  const queryPos = g.op('Unsqueeze', `${p}/query_pos`, [g.op('Range', `${p}/query_range`, [past, total, one]), g.int64([1])]);
  const keyPos = g.op('Unsqueeze', `${p}/key_pos`, [g.op('Range', `${p}/key_range`, [g.int64([0], true), total, one]), g.int64([0])]);
  const causal = g.op('LessOrEqual', `${p}/causal`, [keyPos, queryPos]);
  const padding = g.op('Unsqueeze', `${p}/padding`, [g.op('Cast', `${p}/mask_bool`, [attentionMask], { to: typeOf('bool') }), g.int64([1, 2])]);
  const allowed = g.op('And', `${p}/allowed`, [causal, padding]);
  return g.op('Where', `${p}/bias`, [allowed, g.float(0, 'float32'), g.float(-3.4028234663852886e38, 'float32')]);
}

/** HF Qwen2RMSNorm: normalize in fp32, cast back, then scale in the compute type. */
function rmsNorm(q: QwenGraph, x: string, weight: string, path: string): string {
  const { g } = q;
  const xf = q.cast(x, q.compute, 'float32', `${path}/Cast`);
  const meanSquare = g.op('ReduceMean', `${path}/ReduceMean`, [g.op('Mul', `${path}/Square`, [xf, xf])], { axes: [-1], keepdims: 1 });
  const rms = g.op('Sqrt', `${path}/Sqrt`, [g.op('Add', `${path}/AddEps`, [meanSquare, g.float(q.s.rmsEps, 'float32')])]);
  const normalized = q.cast(g.op('Div', `${path}/Div`, [xf, rms]), 'float32', q.compute, `${path}/Cast_back`);
  return g.op('Mul', `${path}/Mul`, [normalized, q.vectorParam(weight)]);
}

function attention(q: QwenGraph, x: string, layer: number, rope: Rope, bias: string, repeatKv: boolean): string {
  const { g, s } = q;
  const p = layerPrefix(layer);
  const path = `/model/layers.${layer}/attn`;
  // [B, S, n*hd] -> [B, n, S, hd]
  const heads = (t: string, n: number, name: string): string =>
    g.op('Transpose', `${path}/${name}_transpose`, [g.op('Reshape', `${path}/${name}_reshape`, [t, g.int64([0, 0, n, s.headDim])])], { perm: [0, 2, 1, 3] });
  const rotate = (t: string, name: string): string => {
    const half = s.headDim / 2;
    const axis = g.int64([3]);
    const x1 = g.op('Slice', `${path}/${name}_rot/x1`, [t, g.int64([0]), g.int64([half]), axis]);
    const x2 = g.op('Slice', `${path}/${name}_rot/x2`, [t, g.int64([half]), g.int64([s.headDim]), axis]);
    const rotated = g.op('Concat', `${path}/${name}_rot/Concat`, [g.op('Neg', `${path}/${name}_rot/Neg`, [x2]), x1], { axis: -1 });
    return g.op('Add', `${path}/${name}_rot/Add`, [
      g.op('Mul', `${path}/${name}_rot/MulCos`, [t, rope.cos]),
      g.op('Mul', `${path}/${name}_rot/MulSin`, [rotated, rope.sin]),
    ]);
  };
  const query = rotate(heads(q.linear(x, `${p}.self_attn.q_proj`, `${path}/q_proj`), s.heads, 'q'), 'q');
  const key = rotate(heads(q.linear(x, `${p}.self_attn.k_proj`, `${path}/k_proj`), s.kvHeads, 'k'), 'k');
  const value = heads(q.linear(x, `${p}.self_attn.v_proj`, `${path}/v_proj`), s.kvHeads, 'v');

  const keys = g.op('Concat', `${path}/key_concat`, [q.pastKv(layer, 'key'), key], { axis: 2 });
  const values = g.op('Concat', `${path}/value_concat`, [q.pastKv(layer, 'value'), value], { axis: 2 });
  q.presentKv(layer, 'key', keys);
  q.presentKv(layer, 'value', values);

  const context = repeatKv ? repeatedHeadsAttention(q, path, query, keys, values, bias) : groupedAttention(q, path, query, keys, values, bias);
  const merged = g.op('Reshape', `${path}/context_merge`, [g.op('Transpose', `${path}/context_transpose`, [context], { perm: [0, 2, 1, 3] }), g.int64([0, 0, s.heads * s.headDim])]);
  return q.linear(merged, `${p}.self_attn.o_proj`, `${path}/o_proj`);
}

// Grouped-query attention without repeating K/V: fold each group's query heads into the
// sequence axis of its KV head, [B, heads, S, hd] -> [B, kv_heads, groups*S, hd].
function groupedAttention(q: QwenGraph, path: string, query: string, keys: string, values: string, bias: string): string {
  const { g, s } = q;
  const groups = s.heads / s.kvHeads;
  const scaled = g.op('Mul', `${path}/q_scale`, [query, g.float(1 / Math.sqrt(s.headDim), q.compute)]);
  const grouped = groups === 1 ? scaled : g.op('Reshape', `${path}/q_group`, [scaled, g.int64([0, s.kvHeads, -1, s.headDim])]);
  const keysT = g.op('Transpose', `${path}/keys_transpose`, [keys], { perm: [0, 1, 3, 2] });
  const scores = g.op('Reshape', `${path}/scores_heads`, [g.op('MatMul', `${path}/qk`, [grouped, keysT]), g.int64([0, s.heads, -1, 0])]);
  const scoresF = q.cast(scores, q.compute, 'float32', `${path}/scores_cast`);
  const probs = g.op('Softmax', `${path}/softmax`, [g.op('Add', `${path}/mask_add`, [scoresF, bias])], { axis: -1 });
  const probsT = q.cast(probs, 'float32', q.compute, `${path}/probs_cast`);
  const probsGrouped = g.op('Reshape', `${path}/probs_group`, [probsT, g.int64([0, s.kvHeads, -1, 0])]);
  return g.op('Reshape', `${path}/context_heads`, [g.op('MatMul', `${path}/pv`, [probsGrouped, values]), g.int64([0, s.heads, -1, s.headDim])]);
}

// As transformers' eager attention exports: K/V repeated to every query head (repeat_kv:
// Unsqueeze, Expand, Reshape), the scores divided by sqrt(head_dim) after the MatMul.
function repeatedHeadsAttention(q: QwenGraph, path: string, query: string, keys: string, values: string, bias: string): string {
  const { g, s } = q;
  const groups = s.heads / s.kvHeads;
  const repeat = (t: string, name: string): string => {
    const wide = g.op('Expand', `${path}/${name}_expand`, [g.op('Unsqueeze', `${path}/${name}_unsqueeze`, [t, g.int64([2])]), g.int64([1, 1, groups, 1, 1])]);
    return g.op('Reshape', `${path}/${name}_repeat`, [wide, g.int64([0, s.heads, -1, s.headDim])]);
  };
  const keysT = g.op('Transpose', `${path}/keys_transpose`, [repeat(keys, 'keys')], { perm: [0, 1, 3, 2] });
  const scores = g.op('Div', `${path}/scores_scale`, [g.op('MatMul', `${path}/qk`, [query, keysT]), g.float(Math.sqrt(s.headDim), q.compute)]);
  const scoresF = q.cast(scores, q.compute, 'float32', `${path}/scores_cast`);
  const probs = g.op('Softmax', `${path}/softmax`, [g.op('Add', `${path}/mask_add`, [scoresF, bias])], { axis: -1 });
  const probsT = q.cast(probs, 'float32', q.compute, `${path}/probs_cast`);
  return g.op('MatMul', `${path}/pv`, [probsT, repeat(values, 'values')]);
}
