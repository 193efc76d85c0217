// Load-time rewrite for GroupQueryAttention graphs on WASM (the graph the converter builds from
// Qwen's releases, the onnxruntime-genai builds): onnxruntime-web's WASM GroupQueryAttention
// kernel is about 60× slower than onnxruntime-node's on a long prompt (0.5B shape, one layer,
// 4,096 tokens: 20.2 s against 0.34 s), and a 4K-token prefill took 456 s against 82 s for the
// same model with plain-op attention. On WASM the KV cache grows by a copy either way (WASM
// cannot write it in place), so each GroupQueryAttention becomes the plain ops the Optimum
// graphs use: rotary from its cos/sin caches, the past and the new K/V joined by Concat, the
// query heads folded onto their KV head, MatMul, causal mask, Softmax, MatMul.
//
// Only what the op's attributes and inputs say is rewritten: batch 1 without padding (the engine's
// only shape), rotary not interleaved, no softcap, no local window, float32 KV; anything else
// is left as it is, with the reason. No byte moves (graph-edit.ts): the op's outputs are renamed to
// dead names, the new nodes appended with the old names, the op switched off.
import { DATA_TYPE, appendGraph, indexGraph, inputElementType, rename, sameLengthName, switchOffDeadNodes, type NodeRef } from './graph-edit.ts';
import type { AttentionRewrite } from './attention-gqa.ts';
import { GraphAddition } from './graph-addition.ts';
import { text } from './protobuf.ts';

interface Attention {
  node: NodeRef;
  inputs: string[];
  outputs: string[];
  heads: number;
  kvHeads: number;
  scale: number | undefined;
  rotary: boolean;
}

/** The model with every GroupQueryAttention as plain ops, or why it was left as it is. */
export function attentionToPlainOps(model: Uint8Array, headDim: number): AttentionRewrite {
  const graph = indexGraph(model);
  if (!graph) return { rewritten: false, applies: true, reason: 'no graph' };
  const nodes = graph.nodes.filter((n) => n.opType === 'GroupQueryAttention');
  if (nodes.length === 0) return { rewritten: false, applies: false, reason: 'no GroupQueryAttention' };
  const initializers = new Map(graph.initializers.filter((t) => t.name).map((t) => [text(model, t.name!), t]));
  const attentions: Attention[] = [];
  for (const node of nodes) {
    const inputs = node.inputs.map((f) => text(model, f));
    const outputs = node.outputs.map((f) => text(model, f));
    const why = unsupported(node, inputs, outputs);
    if (why) return { rewritten: false, applies: true, reason: `${node.name}: ${why}` };
    const past = inputElementType(model, inputs[3]!);
    if (past !== DATA_TYPE.float32) return { rewritten: false, applies: true, reason: `${node.name}: the KV cache is not float32` };
    const rotary = node.ints.get('do_rotary') === 1;
    if (rotary) {
      const cos = initializers.get(inputs[7] ?? '');
      if (cos?.dims.length !== 2 || cos.dims[1]! * 2 !== headDim || cos.dataType !== DATA_TYPE.float32) return { rewritten: false, applies: true, reason: `${node.name}: the rotary caches are not float32 tables of head_dim / 2 columns` };
    }
    attentions.push({ node, inputs, outputs, heads: node.ints.get('num_heads') ?? 0, kvHeads: node.ints.get('kv_num_heads') ?? 0, scale: node.floats.get('scale'), rotary });
  }
  const renames = attentions.flatMap((a) => a.node.outputs.map((field) => ({ field, dead: sameLengthName(text(model, field), graph.names) })));
  const stuck = renames.find((r) => r.dead === null);
  if (stuck) return { rewritten: false, applies: true, reason: `cannot rename ${text(model, stuck.field)}` };
  for (const { field, dead } of renames) rename(model, field, dead!);
  const addition = new GraphAddition('qwen_local/attention');
  attentions.forEach((attention, i) => plainAttention(addition, attention, i, headDim));
  const rewritten = appendGraph(model, addition.graph);
  switchOffDeadNodes(rewritten);
  return { rewritten: true, model: rewritten, layers: attentions.length };
}

function unsupported(node: NodeRef, inputs: string[], outputs: string[]): string | null {
  const heads = node.ints.get('num_heads') ?? 0;
  const kvHeads = node.ints.get('kv_num_heads') ?? 0;
  if (!(heads > 0 && kvHeads > 0 && heads % kvHeads === 0)) return 'num_heads is not a multiple of kv_num_heads';
  if (outputs.length !== 3 || outputs.some((o) => !o)) return 'not the three outputs (attention, present key and value)';
  if (inputs.length < 7 || !inputs[1] || !inputs[3] || !inputs[6]) return 'packed QKV or no past inputs';
  if (node.ints.get('rotary_interleaved') === 1) return 'interleaved rotary';
  if ((node.ints.get('local_window_size') ?? -1) !== -1) return 'a local attention window';
  if ((node.floats.get('softcap') ?? 0) !== 0) return 'a softcap';
  if ((node.ints.get('smooth_softmax') ?? 0) !== 0) return 'smooth softmax';
  if (inputs.length > 9 && inputs.slice(9).some(Boolean)) return 'position ids or an attention bias given to it';
  return null;
}

/** One layer's attention in plain ops, writing the op's three outputs. */
function plainAttention(a: GraphAddition, attention: Attention, index: number, headDim: number): void {
  const { inputs, outputs, heads, kvHeads } = attention;
  const [query, key, value, pastKey, pastValue] = inputs as [string, string, string, string, string];
  const at = (name: string): string => `${index}/${name}`;
  const half = headDim / 2;

  // Positions of the new tokens: total − S … total − 1 (batch 1, no padding), from the mask's length.
  const one = a.int64(at('one'), [1], []);
  const total = a.op('Gather', at('total'), [a.op('Shape', at('mask_shape'), ['attention_mask']), one], { axis: { int: 0 } });
  const seq = a.op('Gather', at('seq'), [a.op('Shape', at('query_shape'), [query]), one], { axis: { int: 0 } });
  const zero = a.int64(at('zero'), [0], []);
  const positions = a.op('Range', at('positions'), [a.op('Sub', at('past'), [total, seq]), total, one]);

  // [B, S, n·hd] -> [B, n, S, hd]
  const headsOf = (t: string, n: number, name: string): string =>
    a.op('Transpose', at(`${name}_heads`), [a.op('Reshape', at(`${name}_split`), [t, a.int64(at(`${name}_shape`), [0, 0, n, headDim])])], { perm: { ints: [0, 2, 1, 3] } });
  let q = headsOf(query, heads, 'q');
  let k = headsOf(key, kvHeads, 'k');
  if (attention.rotary) {
    // Not interleaved: the first and second halves of each head rotate as pairs.
    const cos = a.op('Gather', at('cos'), [inputs[7]!, positions], { axis: { int: 0 } });
    const sin = a.op('Gather', at('sin'), [inputs[8]!, positions], { axis: { int: 0 } });
    const axis = a.int64(at('axis3'), [3]);
    const [lo, mid, hi] = [a.int64(at('lo'), [0]), a.int64(at('mid'), [half]), a.int64(at('hi'), [headDim])];
    const rotate = (t: string, name: string): string => {
      const x1 = a.op('Slice', at(`${name}_x1`), [t, lo, mid, axis]);
      const x2 = a.op('Slice', at(`${name}_x2`), [t, mid, hi, axis]);
      const first = a.op('Sub', at(`${name}_r1`), [a.op('Mul', at(`${name}_x1cos`), [x1, cos]), a.op('Mul', at(`${name}_x2sin`), [x2, sin])]);
      const second = a.op('Add', at(`${name}_r2`), [a.op('Mul', at(`${name}_x2cos`), [x2, cos]), a.op('Mul', at(`${name}_x1sin`), [x1, sin])]);
      return a.op('Concat', at(`${name}_rotated`), [first, second], { axis: { int: -1 } });
    };
    q = rotate(q, 'q');
    k = rotate(k, 'k');
  }
  const v = headsOf(value, kvHeads, 'v');
  a.node('Concat', at('present_key'), [pastKey, k], [outputs[1]!], { axis: { int: 2 } });
  a.node('Concat', at('present_value'), [pastValue, v], [outputs[2]!], { axis: { int: 2 } });

  // Each KV head's query heads folded into its sequence axis: [B, heads, S, hd] -> [B, kv_heads, groups·S, hd].
  const scaled = a.op('Mul', at('q_scaled'), [q, a.float32(at('scale'), attention.scale ?? 1 / Math.sqrt(headDim))]);
  const grouped = a.op('Reshape', at('q_grouped'), [scaled, a.int64(at('grouped_shape'), [0, kvHeads, -1, headDim])]);
  const keysT = a.op('Transpose', at('keys_t'), [outputs[1]!], { perm: { ints: [0, 1, 3, 2] } });
  const scores = a.op('Reshape', at('scores'), [a.op('MatMul', at('qk'), [grouped, keysT]), a.int64(at('scores_shape'), [0, heads, -1, 0])]);

  // Causal mask [S, total]: key j is seen by the query at position p when j <= p.
  const keyPositions = a.op('Unsqueeze', at('key_positions'), [a.op('Range', at('key_range'), [zero, total, one]), a.int64(at('axis0'), [0])]);
  const queryPositions = a.op('Unsqueeze', at('query_positions'), [positions, a.int64(at('axis1'), [1])]);
  const seen = a.op('LessOrEqual', at('causal'), [keyPositions, queryPositions]);
  const bias = a.op('Where', at('bias'), [seen, a.float32(at('open'), 0), a.float32(at('closed'), -3.4028234663852886e38)]);
  const probs = a.op('Softmax', at('softmax'), [a.op('Add', at('masked'), [scores, bias])], { axis: { int: -1 } });

  const probsGrouped = a.op('Reshape', at('probs_grouped'), [probs, a.int64(at('probs_shape'), [0, kvHeads, -1, 0])]);
  const context = a.op('Reshape', at('context'), [a.op('MatMul', at('pv'), [probsGrouped, outputs[2]!]), a.int64(at('context_shape'), [0, heads, -1, headDim])]);
  const merged = a.op('Transpose', at('context_t'), [context], { perm: { ints: [0, 2, 1, 3] } });
  a.node('Reshape', at('output'), [merged, a.int64(at('output_shape'), [0, 0, heads * headDim])], [outputs[0]!]);
}
