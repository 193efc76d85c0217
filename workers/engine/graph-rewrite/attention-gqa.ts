// Load-time rewrite for the Optimum-contract graphs on WebGPU: each layer's attention block
// (past Concat, any repeat-KV Unsqueeze/Expand/Reshape, MatMul, scale, mask Add, Softmax, MatMul)
// becomes one com.microsoft GroupQueryAttention fed the block's rotated query, key and value, so
// the KV cache can be written in place (kv-in-place.ts) instead of copied every step.
//
// Blocks are found by topology from the KV inputs and outputs, never by node names. Every layer
// must be recognised, or nothing changes and the reason is given. Like the other rewrites this
// never moves a byte: the tensors the block produced (present.*, the input of o_proj) are
// renamed in place to dead names, the new nodes are appended (graph-edit.ts), and the nodes left
// with no consumer are switched off by turning their field into a reserved one, which parsers skip.
import { text } from './protobuf.ts';
import {
  DATA_TYPE,
  appendGraph,
  importsOpset,
  indexGraph,
  opsetImport,
  rename,
  sameLengthName,
  switchOffDeadNodes,
  type GraphIndex,
  type NodeRef,
  type TensorRef,
} from './graph-edit.ts';
import { GraphAddition, type Attribute } from './graph-addition.ts';
import { fromHalfBits } from './half-float.ts';

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headDim: number;
}

/**
 * A rewritten graph, or why not: `applies` is false for a graph with nothing to rewrite (already in
 * the asked form, or no KV cache), true for one whose attention the rewrite could not take.
 */
export type AttentionRewrite = { rewritten: true; model: Uint8Array; layers: number } | { rewritten: false; applies: boolean; reason: string };

/** Ops that only move or repeat the KV heads (repeat_kv) or change the type, on the way to a MatMul. */
const KV_MOVES = new Set(['Transpose', 'Unsqueeze', 'Expand', 'Reshape', 'Squeeze', 'Cast', 'Identity']);
/** Ops between the two MatMuls: the scores' scale, the mask, the softmax, reshapes and casts. */
const SCORE_OPS = new Set(['Reshape', 'Cast', 'Identity', 'Mul', 'Div', 'Add', 'Softmax']);
/** Ops from the second MatMul to o_proj's input: heads back to [B, S, heads·head_dim]. */
const MERGE_OPS = new Set(['Reshape', 'Transpose', 'Cast', 'Identity']);
const PAST = /^past_key_values\.(\d+)\.key$/;

interface KvConcat {
  concat: NodeRef;
  present: NodeRef;
}

interface Layer {
  layer: number;
  /** The rotated query [B, heads, S, hd], the new key and value [B, kv_heads, S, hd]. */
  query: string;
  key: string;
  value: string;
  /** Producers whose output fields get dead names: those of present.*, the node before o_proj. */
  renamed: { node: NodeRef; slot: number }[];
  /** o_proj's input, which the GroupQueryAttention now produces. */
  output: string;
  scale: number;
}

/** The model with every layer's attention as GroupQueryAttention, or why it was left as it is. */
export function attentionToGqa(model: Uint8Array, shape: AttentionShape): AttentionRewrite {
  const graph = indexGraph(model);
  if (!graph) return { rewritten: false, applies: true, reason: 'no graph' };
  if (graph.nodes.some((n) => n.opType === 'GroupQueryAttention')) return { rewritten: false, applies: false, reason: 'the graph already uses GroupQueryAttention' };
  const walk = new GraphWalk(model, graph);
  const pasts = [...graph.names].map((name) => PAST.exec(name)).filter((m) => m !== null);
  if (pasts.length === 0) return { rewritten: false, applies: false, reason: 'no past_key_values inputs' };
  const layers: Layer[] = [];
  for (const match of pasts) {
    const found = walk.layer(Number(match[1]), shape);
    if (typeof found === 'string') return { rewritten: false, applies: true, reason: `layer ${match[1]}: ${found}` };
    layers.push(found);
  }
  // Every new name first, so a graph is either rewritten whole or not touched.
  const renames = layers.flatMap((layer) => layer.renamed.map(({ node, slot }) => ({ field: node.outputs[slot]!, dead: sameLengthName(text(model, node.outputs[slot]!), graph.names) })));
  const stuck = renames.find((r) => r.dead === null);
  if (stuck) return { rewritten: false, applies: true, reason: `cannot rename ${text(model, stuck.field)}` };
  for (const { field, dead } of renames) rename(model, field, dead!);
  // The float exports have no com.microsoft op before this one (the 4-bit ones have MatMulNBits).
  const opset = importsOpset(model, MICROSOFT) ? undefined : opsetImport(MICROSOFT, 1);
  const rewritten = appendGraph(model, addition(layers, shape).graph, opset);
  switchOffDeadNodes(rewritten);
  return { rewritten: true, model: rewritten, layers: layers.length };
}

class GraphWalk {
  readonly #model: Uint8Array;
  readonly #producers = new Map<string, NodeRef>();
  readonly #consumers = new Map<string, NodeRef[]>();
  readonly #initializers = new Map<string, TensorRef>();

  constructor(model: Uint8Array, graph: GraphIndex) {
    this.#model = model;
    for (const node of graph.nodes) {
      for (const output of node.outputs) this.#producers.set(text(model, output), node);
      for (const input of node.inputs) {
        const name = text(model, input);
        this.#consumers.set(name, [...(this.#consumers.get(name) ?? []), node]);
      }
    }
    for (const tensor of graph.initializers) if (tensor.name) this.#initializers.set(text(model, tensor.name), tensor);
  }

  layer(layer: number, shape: AttentionShape): Layer | string {
    const key = this.#pastConcat(layer, 'key');
    const value = this.#pastConcat(layer, 'value');
    if (typeof key === 'string') return key;
    if (typeof value === 'string') return value;
    const scores = this.#kvMatMul(key, 1);
    if (typeof scores === 'string') return `key: ${scores}`;
    const query = this.#queryOf(this.#input(scores.matmul, 0));
    const softmax = this.#scoresToValues(this.#output(scores.matmul, 0));
    if (typeof softmax === 'string') return softmax;
    const values = this.#kvMatMul(value, 1);
    if (typeof values === 'string') return `value: ${values}`;
    if (values.matmul !== softmax.matmul) return 'the softmax does not feed the MatMul with the values';
    if (values.transposes !== 0) return 'the values are transposed before their MatMul';
    if (scores.transposes !== 1) return 'the keys are not transposed once before their MatMul';
    const merged = this.#mergedHeads(this.#output(values.matmul, 0));
    if (typeof merged === 'string') return merged;
    const scale = query.scale * scores.scale * softmax.scale;
    if (!(Math.abs(scale * Math.sqrt(shape.headDim) - 1) < 1e-3)) return `the scores are scaled by ${scale}, not 1/sqrt(${shape.headDim})`;
    return {
      layer,
      query: query.name,
      key: this.#input(key.concat, 1),
      value: this.#input(value.concat, 1),
      renamed: [
        { node: key.present, slot: 0 },
        { node: value.present, slot: 0 },
        { node: merged.node, slot: 0 },
      ],
      output: merged.name,
      scale,
    };
  }

  /**
   * The Concat that joins past_key_values.{layer}.{which} and the new key or value on the
   * sequence axis, and the node that outputs present.{layer}.{which} (the Concat, or an Identity
   * after it). A Cast on either side (KV stored in another type than the attention computes in)
   * is not rewritten: GroupQueryAttention reads and writes its cache in its own type.
   */
  #pastConcat(layer: number, which: 'key' | 'value'): KvConcat | string {
    const name = `present.${layer}.${which}`;
    const present = this.#producers.get(name);
    let concat = present;
    while (concat?.opType === 'Identity') concat = this.#producers.get(this.#input(concat, 0));
    if (!present || concat?.opType !== 'Concat') return `${name} does not come from a Concat`;
    const axis = concat.ints.get('axis');
    let past = this.#producers.get(this.#input(concat, 0));
    let pastName = this.#input(concat, 0);
    while (past?.opType === 'Identity') {
      pastName = this.#input(past, 0);
      past = this.#producers.get(pastName);
    }
    if (concat.inputs.length !== 2 || pastName !== `past_key_values.${layer}.${which}` || (axis !== 2 && axis !== -2)) {
      return `${name} is not past_key_values.${layer}.${which} and the new ${which} joined on the sequence axis`;
    }
    return { concat, present };
  }

  /** The one MatMul a KV tensor reaches through head moves and scalings, as its input `slot`. */
  #kvMatMul(kv: KvConcat, slot: number): { matmul: NodeRef; transposes: number; scale: number } | string {
    let transposes = 0;
    let scale = 1;
    let value = this.#output(kv.concat, 0);
    for (;;) {
      // Shapes read for repeat_kv's Expand, and the way out to present.*, are not the attention.
      const next = (this.#consumers.get(value) ?? []).filter((n) => n.opType !== 'Shape' && n !== kv.present);
      if (next.length !== 1) return `${value} has ${next.length} consumers where one was expected`;
      const node = next[0]!;
      if (node.opType === 'MatMul') return this.#input(node, slot) === value ? { matmul: node, transposes, scale } : `${value} enters its MatMul on the wrong side`;
      const factor = this.#scalarFactor(node, value);
      if (factor !== null) scale *= factor;
      else if (!KV_MOVES.has(node.opType)) return `${value} goes through ${node.opType}`;
      else if (node.opType === 'Transpose') transposes++;
      value = this.#output(node, 0);
    }
  }

  /** The rotated query, walking back from the MatMul through reshapes, casts and scalings. */
  #queryOf(name: string): { name: string; scale: number } {
    let scale = 1;
    let value = name;
    for (;;) {
      const node = this.#producers.get(value);
      if (!node) return { name: value, scale };
      const factor = this.#scalarFactor(node, this.#input(node, 0));
      if (factor !== null) scale *= factor;
      else if (node.opType !== 'Reshape' && node.opType !== 'Cast' && node.opType !== 'Identity') return { name: value, scale };
      value = this.#input(node, 0);
    }
  }

  /** From the scores to the MatMul with the values: one Softmax, a mask Add, scalings. */
  #scoresToValues(name: string): { matmul: NodeRef; scale: number } | string {
    let scale = 1;
    let softmaxes = 0;
    let value = name;
    for (;;) {
      const next = this.#consumers.get(value) ?? [];
      if (next.length !== 1) return `the scores (${value}) have ${next.length} consumers where one was expected`;
      const node = next[0]!;
      if (node.opType === 'MatMul') return softmaxes === 1 && this.#input(node, 0) === value ? { matmul: node, scale } : 'the attention probabilities are not one Softmax into a MatMul';
      if (!SCORE_OPS.has(node.opType)) return `the scores go through ${node.opType}`;
      if (node.opType === 'Softmax') {
        const axis = node.ints.get('axis');
        if (axis !== -1 && axis !== 3) return 'the softmax is not over the keys';
        softmaxes++;
      } else if (node.opType === 'Mul' || node.opType === 'Div') {
        const factor = this.#scalarFactor(node, value);
        if (factor === null) return `the scores are scaled by a value that is not a constant`;
        scale *= factor;
      }
      // An Add is the mask: causal (and padding) from attention_mask, which GroupQueryAttention
      // applies itself from seqlens_k.
      value = this.#output(node, 0);
    }
  }

  /** o_proj's input: the attention output back to [B, S, heads·hd] through a Transpose and Reshapes. */
  #mergedHeads(name: string): { name: string; node: NodeRef; slot: number } | string {
    let value = name;
    let last: NodeRef | null = null;
    for (;;) {
      const next = this.#consumers.get(value) ?? [];
      const node = next.length === 1 ? next[0]! : null;
      if (!node || !MERGE_OPS.has(node.opType)) break;
      last = node;
      value = this.#output(node, 0);
    }
    if (last?.opType !== 'Reshape') return 'the attention output is not reshaped back to [batch, sequence, hidden]';
    return { name: value, node: last, slot: 0 };
  }

  /** The factor a Mul or Div by a one-element constant applies to `operand`; null otherwise. */
  #scalarFactor(node: NodeRef, operand: string): number | null {
    if (node.opType !== 'Mul' && node.opType !== 'Div') return null;
    const [a, b] = [this.#input(node, 0), this.#input(node, 1)];
    const other = a === operand ? b : b === operand ? a : null;
    if (other === null || (node.opType === 'Div' && other === a)) return null;
    const constant = this.#constant(other);
    if (constant === null) return null;
    return node.opType === 'Div' ? 1 / constant : constant;
  }

  /** A one-element float initializer or Constant, through Casts. */
  #constant(name: string): number | null {
    let value = name;
    let producer = this.#producers.get(value);
    while (producer?.opType === 'Cast') {
      value = this.#input(producer, 0);
      producer = this.#producers.get(value);
    }
    const tensor = producer?.opType === 'Constant' ? producer.value : this.#initializers.get(value);
    if (!tensor?.data || tensor.external || tensor.dims.reduce((a, b) => a * b, 1) !== 1) return null;
    const bytes = this.#model.subarray(tensor.data.start, tensor.data.end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (tensor.dataType === DATA_TYPE.float32 && bytes.byteLength === 4) return view.getFloat32(0, true);
    if (tensor.dataType === DATA_TYPE.float16 && bytes.byteLength === 2) return fromHalfBits(view.getUint16(0, true));
    return null;
  }

  #input(node: NodeRef, slot: number): string {
    const field = node.inputs[slot];
    return field ? text(this.#model, field) : '';
  }

  #output(node: NodeRef, slot: number): string {
    const field = node.outputs[slot];
    return field ? text(this.#model, field) : '';
  }
}

const MICROSOFT = 'com.microsoft';

/** The appended nodes: the lengths from attention_mask once, then per layer the heads packed and one GroupQueryAttention. */
function addition(layers: readonly Layer[], shape: AttentionShape): GraphAddition {
  const a = new GraphAddition('qwen_local/gqa');
  const one = a.int64('one', [1], []);
  const queryShape = a.int64('query_shape', [0, 0, shape.heads * shape.headDim]);
  const kvShape = a.int64('kv_shape', [0, 0, shape.kvHeads * shape.headDim]);
  // seqlens_k = valid tokens − 1 and total_sequence_length, both int32, as the GQA builds compute them.
  const valid = a.op('ReduceSum', 'valid', ['attention_mask', a.int64('axis1', [1])], { keepdims: { int: 0 } });
  const seqlensK = a.op('Cast', 'seqlens_k', [a.op('Sub', 'valid_minus_one', [valid, one])], { to: { int: DATA_TYPE.int32 } });
  const total = a.op('Gather', 'total', [a.op('Shape', 'mask_shape', ['attention_mask']), one], { axis: { int: 0 } });
  const totalLength = a.op('Cast', 'total_sequence_length', [total], { to: { int: DATA_TYPE.int32 } });

  for (const layer of layers) {
    // [B, n, S, hd] -> [B, S, n·hd]
    const packed = (name: string, value: string, target: string): string =>
      a.op('Reshape', `${layer.layer}/${name}`, [a.op('Transpose', `${layer.layer}/${name}_transposed`, [value], { perm: { ints: [0, 2, 1, 3] } }), target]);
    const attributes: Record<string, Attribute> = { num_heads: { int: shape.heads }, kv_num_heads: { int: shape.kvHeads }, do_rotary: { int: 0 } };
    if (Math.abs(layer.scale * Math.sqrt(shape.headDim) - 1) > 1e-6) attributes['scale'] = { float: layer.scale };
    a.node(
      'GroupQueryAttention',
      `${layer.layer}/GroupQueryAttention`,
      [
        packed('query', layer.query, queryShape),
        packed('key', layer.key, kvShape),
        packed('value', layer.value, kvShape),
        `past_key_values.${layer.layer}.key`,
        `past_key_values.${layer.layer}.value`,
        seqlensK,
        totalLength,
      ],
      [layer.output, `present.${layer.layer}.key`, `present.${layer.layer}.value`],
      attributes,
      MICROSOFT,
    );
  }
  return a;
}
