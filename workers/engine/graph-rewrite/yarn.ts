// Load-time rewrite: YaRN on the rotary embedding (yarn-rope.ts), opt-in, for both exports.
// Optimum graphs compute cos/sin from an inv_freq constant: its values are overwritten in place
// and a Mul by the attention factor follows each Cos and Sin. GQA graphs read cos_cache/sin_cache
// tables: longer ones replace them (the old ones are renamed, unused, dropped by onnxruntime).
// Everything is checked before the first byte changes; an unrecognised graph is left as it is.
import { fromHalfBits, toHalfBits } from './half-float.ts';
import {
  DATA_TYPE,
  GRAPH_INITIALIZER,
  GRAPH_NODE,
  NODE_INPUT,
  NODE_NAME,
  NODE_OP_TYPE,
  NODE_OUTPUT,
  appendGraph,
  indexGraph,
  rename,
  sameLengthName,
  tensorProto,
  type GraphIndex,
  type NodeRef,
  type TensorRef,
} from './graph-edit.ts';
import { text, Writer, type Field } from './protobuf.ts';
import { ropeInverseFrequencies, yarnInverseFrequencies, type YarnRope } from './yarn-rope.ts';

type FloatType = typeof DATA_TYPE.float32 | typeof DATA_TYPE.float16;

export type YarnResult = { rewritten: true; model: Uint8Array; form: 'inv_freq' | 'cos_sin_cache' } | { rewritten: false; reason: string };

// Ops between inv_freq and Cos/Sin that keep the element type (Cast sets it).
const ON_THE_WAY = new Set(['Mul', 'MatMul', 'Expand', 'Transpose', 'Concat', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast', 'Tile']);

/** The model with YaRN applied to its rotary embedding, or why it was left as it is. Edits `model` in place. */
export function applyYarn(model: Uint8Array, rope: YarnRope): YarnResult {
  const graph = indexGraph(model);
  if (!graph) return { rewritten: false, reason: 'no graph' };
  const caches = rotaryCaches(model, graph);
  if (caches.length > 0) return rewriteCaches(model, graph, caches, rope);
  return rewriteInverseFrequencies(model, graph, rope);
}

interface Cache {
  name: string;
  tensor: TensorRef;
  fn: typeof Math.cos;
}

/** cos_cache / sin_cache of the GroupQueryAttention nodes that apply rotary themselves. */
function rotaryCaches(model: Uint8Array, graph: GraphIndex): Cache[] {
  const byName = new Map(graph.initializers.filter((t) => t.name).map((t) => [text(model, t.name!), t]));
  const caches = new Map<string, Cache>();
  for (const node of graph.nodes) {
    if (node.opType !== 'GroupQueryAttention' || node.ints.get('do_rotary') !== 1) continue;
    for (const [index, fn] of [[7, Math.cos], [8, Math.sin]] as const) {
      const name = node.inputs[index] ? text(model, node.inputs[index]) : '';
      const tensor = byName.get(name);
      if (tensor) caches.set(name, { name, tensor, fn });
    }
  }
  return [...caches.values()];
}

function rewriteCaches(model: Uint8Array, graph: GraphIndex, caches: Cache[], rope: YarnRope): YarnResult {
  const half = rope.headDim / 2;
  for (const { name, tensor, fn } of caches) {
    const [rows, columns] = tensor.dims;
    if (tensor.dims.length !== 2 || columns !== half || !isFloat(tensor.dataType)) return { rewritten: false, reason: `${name} is not a [positions, ${half}] float table` };
    if (rows! >= rope.contextTokens) return { rewritten: false, reason: `${name} already covers ${rows} positions` };
    // External tables cannot be read here; a GroupQueryAttention's cos/sin inputs are RoPE by definition.
    if (!tensor.external && !isPlainRope(model, tensor, fn, rope)) return { rewritten: false, reason: `${name} does not hold plain RoPE values for rope_theta ${rope.theta}` };
  }
  const renamed = caches.map((cache) => sameLengthName(cache.name, graph.names));
  if (renamed.includes(null)) return { rewritten: false, reason: 'cannot rename the rotary caches' };

  const frequencies = Float32Array.from(yarnInverseFrequencies(rope));
  const addition = new Writer();
  caches.forEach(({ name, tensor, fn }, i) => {
    rename(model, tensor.name!, renamed[i]!);
    const values = new Float32Array(rope.contextTokens * half);
    for (let position = 0; position < rope.contextTokens; position++) {
      // The angle in fp32, as the Optimum graphs (and transformers) compute it.
      for (let j = 0; j < half; j++) values[position * half + j] = fn(Math.fround(position * frequencies[j]!)) * rope.attentionFactor;
    }
    addition.message(GRAPH_INITIALIZER, tensorProto(name, tensor.dataType, [rope.contextTokens, half], encode(values, tensor.dataType as FloatType)));
  });
  return { rewritten: true, model: appendGraph(model, addition), form: 'cos_sin_cache' };
}

/** Rows 1..3 of the table against fn(position x theta^(-2i/d)). */
function isPlainRope(model: Uint8Array, tensor: TensorRef, fn: typeof Math.cos, rope: YarnRope): boolean {
  if (!tensor.data) return false;
  const half = rope.headDim / 2;
  const values = decode(model, tensor.data, tensor.dataType as FloatType, 4 * half);
  const frequencies = ropeInverseFrequencies(rope.theta, rope.headDim);
  const tolerance = tensor.dataType === DATA_TYPE.float16 ? 2e-3 : 1e-5;
  for (let position = 1; position < 4; position++) {
    for (let i = 0; i < half; i++) if (Math.abs(values[position * half + i]! - fn(position * frequencies[i]!)) > tolerance) return false;
  }
  return true;
}

/** A float constant (initializer or Constant node) holding theta^(-2i/d), i < d/2. */
interface Frequencies {
  name: string;
  tensor: TensorRef;
}

function rewriteInverseFrequencies(model: Uint8Array, graph: GraphIndex, rope: YarnRope): YarnResult {
  const plain = ropeInverseFrequencies(rope.theta, rope.headDim);
  const candidates: Frequencies[] = [
    ...graph.initializers.filter((t) => t.name).map((tensor) => ({ name: text(model, tensor.name!), tensor })),
    ...graph.nodes.filter((n) => n.opType === 'Constant' && n.value && n.outputs[0]).map((n) => ({ name: text(model, n.outputs[0]!), tensor: n.value! })),
  ];
  const found = candidates.filter(({ tensor }) => isFloat(tensor.dataType) && tensor.data && !tensor.external && holds(model, tensor, plain));
  if (found.length === 0) return { rewritten: false, reason: `no rotary inv_freq constant (rope_theta ${rope.theta}, head_dim ${rope.headDim}) and no GroupQueryAttention rotary caches found` };
  const trig = trigonometry(model, graph, found);
  if (!trig.some((t) => t.node.opType === 'Cos') || !trig.some((t) => t.node.opType === 'Sin')) {
    return { rewritten: false, reason: 'the rotary inv_freq does not lead to a Cos and a Sin' };
  }
  const renamed = trig.map((t) => sameLengthName(text(model, t.node.outputs[0]!), graph.names));
  if (renamed.includes(null)) return { rewritten: false, reason: 'cannot rename the rotary Cos/Sin outputs' };

  const yarn = yarnInverseFrequencies(rope);
  for (const { tensor } of found) model.set(encode(Float32Array.from(yarn), tensor.dataType as FloatType), tensor.data!.start);
  const addition = new Writer();
  const factors = new Set<FloatType>();
  trig.forEach(({ node, type }, i) => {
    const output = node.outputs[0]!;
    const original = text(model, output);
    rename(model, output, renamed[i]!);
    factors.add(type);
    addition.message(
      GRAPH_NODE,
      new Writer()
        .string(NODE_INPUT, renamed[i]!)
        .string(NODE_INPUT, attentionFactorName(type))
        .string(NODE_OUTPUT, original)
        .string(NODE_NAME, `qwen_local/yarn/${original}`)
        .string(NODE_OP_TYPE, 'Mul'),
    );
  });
  for (const type of factors) addition.message(GRAPH_INITIALIZER, tensorProto(attentionFactorName(type), type, [], encode(Float32Array.of(rope.attentionFactor), type)));
  return { rewritten: true, model: appendGraph(model, addition), form: 'inv_freq' };
}

function attentionFactorName(type: FloatType): string {
  return `qwen_local/yarn/attention_factor_${type === DATA_TYPE.float16 ? 'fp16' : 'fp32'}`;
}

function holds(model: Uint8Array, tensor: TensorRef, expected: Float64Array): boolean {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== expected.length) return false;
  const values = decode(model, tensor.data!, tensor.dataType as FloatType, count);
  // fp16 keeps ~3 significant digits and turns the smallest frequencies subnormal.
  const [relative, absolute] = tensor.dataType === DATA_TYPE.float16 ? [1e-3, 1e-7] : [1e-6, 0];
  return values.length === count && expected.every((e, i) => Math.abs(values[i]! - e) <= relative * e + absolute);
}

/** The Cos and Sin nodes fed by the frequencies, each with the element type reaching it. */
function trigonometry(model: Uint8Array, graph: GraphIndex, from: Frequencies[]): { node: NodeRef; type: FloatType }[] {
  const consumers = new Map<string, NodeRef[]>();
  for (const node of graph.nodes) for (const input of node.inputs) consumers.set(text(model, input), [...(consumers.get(text(model, input)) ?? []), node]);
  const found = new Map<NodeRef, FloatType>();
  const seen = new Set<string>();
  const queue = from.map(({ name, tensor }) => ({ name, type: tensor.dataType as number }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (seen.has(item.name)) continue;
    seen.add(item.name);
    for (const node of consumers.get(item.name) ?? []) {
      if ((node.opType === 'Cos' || node.opType === 'Sin') && isFloat(item.type)) found.set(node, item.type);
      else if (ON_THE_WAY.has(node.opType)) {
        const type = node.opType === 'Cast' ? (node.ints.get('to') ?? 0) : item.type;
        for (const output of node.outputs) queue.push({ name: text(model, output), type });
      }
    }
  }
  return [...found].map(([node, type]) => ({ node, type }));
}

function isFloat(type: number): type is FloatType {
  return type === DATA_TYPE.float32 || type === DATA_TYPE.float16;
}

function decode(model: Uint8Array, data: Field, type: FloatType, count: number): Float64Array {
  const view = new DataView(model.buffer, model.byteOffset + data.start, data.end - data.start);
  const size = type === DATA_TYPE.float16 ? 2 : 4;
  const n = Math.min(count, Math.floor(view.byteLength / size));
  return Float64Array.from({ length: n }, (_, i) => (size === 2 ? fromHalfBits(view.getUint16(i * 2, true)) : view.getFloat32(i * 4, true)));
}

function encode(values: Float32Array, type: FloatType): Uint8Array {
  if (type === DATA_TYPE.float32) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const halves = Uint16Array.from(values, toHalfBits);
  return new Uint8Array(halves.buffer);
}
