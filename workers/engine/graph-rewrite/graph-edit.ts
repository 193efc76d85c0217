// What the load-time rewrites share: an index of an ONNX model's nodes and tensors (byte ranges
// into the file, nothing copied), same-length renames done in place, and additions appended as
// one more `graph` field, which protobuf parsers merge into the first (repeated fields concatenate).
import { fields, readSignedVarint, readVarint, text, Writer, WIRE_I32, WIRE_LEN, WIRE_VARINT, type Field } from './protobuf.ts';

// ONNX field numbers (onnx.proto3).
export const MODEL_GRAPH = 7;
export const GRAPH_NODE = 1;
export const GRAPH_INITIALIZER = 5;
export const GRAPH_INPUT = 11;
export const NODE_INPUT = 1;
export const NODE_OUTPUT = 2;
export const NODE_NAME = 3;
export const NODE_OP_TYPE = 4;
export const TENSOR_DIMS = 1;
export const TENSOR_DATA_TYPE = 2;
export const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
export const GRAPH_OUTPUT = 12;
export const GRAPH_VALUE_INFO = 13;
export const NODE_ATTRIBUTE = 5;
export const NODE_DOMAIN = 7;
export const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_FLOAT = 2;
export const ATTRIBUTE_INT = 3;
const ATTRIBUTE_TENSOR = 5;
export const ATTRIBUTE_TYPE = 20;
export const ATTRIBUTE_TYPE_INT = 2;
const TENSOR_FLOAT_DATA = 4;
export const TENSOR_EXTERNAL_DATA = 13;
export const TENSOR_DATA_LOCATION = 14;
const VALUE_INFO_NAME = 1;

/** ONNX TensorProto.DataType values the rewrites name. */
export const DATA_TYPE = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10 } as const;

export interface NodeRef {
  /** The NodeProto's bytes. */
  field: Field;
  name: string;
  opType: string;
  domain: string;
  /** Input and output names, as fields (byte ranges) so a rename can be done in place. */
  inputs: Field[];
  outputs: Field[];
  /** Integer attributes (Cast's `to`, GroupQueryAttention's `do_rotary`). */
  ints: Map<string, number>;
  /** Float attributes (GroupQueryAttention's `scale`). */
  floats: Map<string, number>;
  /** The tensor of a Constant node's `value`. */
  value: TensorRef | null;
}

export interface TensorRef {
  /** The TensorProto's bytes. */
  field: Field;
  name: Field | null;
  dims: number[];
  dataType: number;
  /** raw_data or packed float_data: the values, little-endian; null when stored elsewhere. */
  data: Field | null;
  external: boolean;
  /** external_data entries (location, offset, length). */
  externalData: Map<string, string>;
}

export interface GraphIndex {
  nodes: NodeRef[];
  initializers: TensorRef[];
  /** Every name the graph uses: inputs, outputs, initializers, node outputs. */
  names: Set<string>;
}

/** The index of every `graph` field of the model, merged as a parser merges them; null with no graph. */
export function indexGraph(model: Uint8Array): GraphIndex | null {
  const graphs = [...fields(model)].filter((f) => f.number === MODEL_GRAPH && f.wire === WIRE_LEN);
  if (graphs.length === 0) return null;
  const index: GraphIndex = { nodes: [], initializers: [], names: new Set() };
  for (const field of graphs.flatMap((graph) => [...fields(model, graph.start, graph.end)])) {
    if (field.number === GRAPH_NODE) {
      const node = readNode(model, field);
      index.nodes.push(node);
      for (const name of [...node.inputs, ...node.outputs]) index.names.add(text(model, name));
    } else if (field.number === GRAPH_INPUT) {
      const name = [...fields(model, field.start, field.end)].find((f) => f.number === VALUE_INFO_NAME);
      if (name) index.names.add(text(model, name));
    } else if (field.number === GRAPH_INITIALIZER) {
      const tensor = readTensor(model, field);
      index.initializers.push(tensor);
      if (tensor.name) index.names.add(text(model, tensor.name));
    }
  }
  return index;
}

export function readNode(bytes: Uint8Array, node: Field): NodeRef {
  const info: NodeRef = { field: node, name: '', opType: '', domain: '', inputs: [], outputs: [], ints: new Map(), floats: new Map(), value: null };
  for (const f of fields(bytes, node.start, node.end)) {
    if (f.number === NODE_NAME) info.name = text(bytes, f);
    else if (f.number === NODE_INPUT) info.inputs.push(f);
    else if (f.number === NODE_OUTPUT) info.outputs.push(f);
    else if (f.number === NODE_OP_TYPE) info.opType = text(bytes, f);
    else if (f.number === NODE_DOMAIN) info.domain = text(bytes, f);
    else if (f.number === NODE_ATTRIBUTE) {
      let name = '';
      let int: number | null = null;
      let float: number | null = null;
      let tensor: Field | null = null;
      for (const a of fields(bytes, f.start, f.end)) {
        if (a.number === ATTRIBUTE_NAME) name = text(bytes, a);
        else if (a.number === ATTRIBUTE_INT && a.wire === WIRE_VARINT) int = readSignedVarint(bytes, a.start);
        else if (a.number === ATTRIBUTE_FLOAT && a.wire === WIRE_I32) float = new DataView(bytes.buffer, bytes.byteOffset + a.start, 4).getFloat32(0, true);
        else if (a.number === ATTRIBUTE_TENSOR) tensor = a;
      }
      if (int !== null) info.ints.set(name, int);
      if (float !== null) info.floats.set(name, float);
      if (tensor && name === 'value') info.value = readTensor(bytes, tensor);
    }
  }
  return info;
}

export function readTensor(bytes: Uint8Array, tensor: Field): TensorRef {
  const info: TensorRef = { field: tensor, name: null, dims: [], dataType: 0, data: null, external: false, externalData: new Map() };
  for (const f of fields(bytes, tensor.start, tensor.end)) {
    if (f.number === TENSOR_DIMS && f.wire === WIRE_VARINT) info.dims.push(f.value);
    else if (f.number === TENSOR_DIMS && f.wire === WIRE_LEN) {
      for (let at = f.start; at < f.end; ) {
        const [dim, next] = readVarint(bytes, at);
        info.dims.push(dim);
        at = next;
      }
    } else if (f.number === TENSOR_DATA_TYPE) info.dataType = f.value;
    else if (f.number === TENSOR_NAME) info.name = f;
    else if (f.number === TENSOR_RAW_DATA || (f.number === TENSOR_FLOAT_DATA && f.wire === WIRE_LEN)) info.data = f;
    else if (f.number === TENSOR_DATA_LOCATION) info.external = f.value === 1;
    else if (f.number === TENSOR_EXTERNAL_DATA) {
      const entry = [...fields(bytes, f.start, f.end)];
      const key = entry.find((e) => e.number === 1);
      const value = entry.find((e) => e.number === 2);
      if (key) info.externalData.set(text(bytes, key), value ? text(bytes, value) : '');
    }
  }
  return info;
}

/** A fresh name (now taken) of the same UTF-8 length as `name`: its first characters replaced. */
export function sameLengthName(name: string, taken: Set<string>): string | null {
  const length = new TextEncoder().encode(name).byteLength;
  for (let n = 0; n < 1000; n++) {
    const candidate = `~${n}~${'_'.repeat(length)}`.slice(0, length);
    if (candidate.length === length && !taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
  return null;
}

/** Overwrites a name in place with one of the same length. */
export function rename(model: Uint8Array, field: Field, name: string): void {
  const bytes = new TextEncoder().encode(name);
  if (bytes.byteLength !== field.end - field.start) throw new Error('a rename in place must keep the length');
  model.set(bytes, field.start);
}

/**
 * The model with `addition` (a GraphProto's fields) appended as one more graph field: in place
 * when the model's ArrayBuffer has room after it (the store leaves some), else in a grown copy.
 */
export function appendGraph(model: Uint8Array, addition: Writer, modelFields?: Writer): Uint8Array {
  let appended = new Writer().message(MODEL_GRAPH, addition).finish();
  if (modelFields) appended = joined(appended, modelFields.finish());
  const grown = model.byteOffset + model.byteLength + appended.byteLength <= model.buffer.byteLength;
  const out = grown ? new Uint8Array(model.buffer, model.byteOffset, model.byteLength + appended.byteLength) : new Uint8Array(model.byteLength + appended.byteLength);
  if (!grown) out.set(model);
  out.set(appended, model.byteLength);
  return out;
}

/** A TensorProto with its values as raw little-endian bytes. */
export function tensorProto(name: string, dataType: number, dims: readonly number[], raw: Uint8Array): Writer {
  const tensor = new Writer();
  for (const dim of dims) tensor.varint(TENSOR_DIMS, dim);
  return tensor.varint(TENSOR_DATA_TYPE, dataType).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, raw);
}

/** Switches off every node that no longer leads to a graph output (what a rewrite replaced). */
export function switchOffDeadNodes(model: Uint8Array): void {
  const graph = indexGraph(model)!;
  const producers = new Map<string, NodeRef>();
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(text(model, output), node);
  const live = new Set<NodeRef>();
  const pending = graphOutputNames(model);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const node = producers.get(name);
    if (!node || live.has(node)) continue;
    live.add(node);
    for (const input of node.inputs) pending.push(text(model, input));
  }
  for (const node of graph.nodes) if (!live.has(node)) switchOffNode(model, node);
}

/** The names of the graph's outputs. */
function graphOutputNames(model: Uint8Array): string[] {
  const graphs = [...fields(model)].filter((f) => f.number === MODEL_GRAPH && f.wire === WIRE_LEN);
  const outputs = graphs.flatMap((graph) => [...fields(model, graph.start, graph.end)]).filter((f) => f.number === GRAPH_OUTPUT);
  return outputs.flatMap((output) => [...fields(model, output.start, output.end)].filter((f) => f.number === VALUE_INFO_NAME).map((f) => text(model, f)));
}

// GraphProto's field 3 is reserved (a former field): parsers skip it as an unknown field.
const GRAPH_RESERVED = 3;

/**
 * Takes a node out of the graph without moving a byte: its field's key (one byte, `node` = 1)
 * becomes that of the reserved field 3, same wire type, so the NodeProto is skipped unread.
 * False, and nothing changed, where the key is not the one-byte key before a minimal length.
 */
function switchOffNode(model: Uint8Array, node: NodeRef): boolean {
  const key = node.field.start - varintSize(node.field.end - node.field.start) - 1;
  if (model[key] !== GRAPH_NODE * 8 + WIRE_LEN) return false;
  model[key] = GRAPH_RESERVED * 8 + WIRE_LEN;
  return true;
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 128; v = Math.floor(v / 128)) size++;
  return size;
}

const MODEL_OPSET_IMPORT = 8;

/** Whether the model imports an opset of `domain` ('' is the default ONNX domain). */
export function importsOpset(model: Uint8Array, domain: string): boolean {
  return [...fields(model)].some((f) => f.number === MODEL_OPSET_IMPORT && f.wire === WIRE_LEN && [...fields(model, f.start, f.end)].some((e) => e.number === 1 && text(model, e) === domain));
}

/** A ModelProto opset_import field for `domain` at `version`, to pass to appendGraph. */
export function opsetImport(domain: string, version: number): Writer {
  return new Writer().message(MODEL_OPSET_IMPORT, new Writer().string(1, domain).varint(2, version));
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** The element type (DATA_TYPE) of the graph input `name`; null when it is not a graph input. */
export function inputElementType(model: Uint8Array, name: string): number | null {
  const graphs = [...fields(model)].filter((f) => f.number === MODEL_GRAPH && f.wire === WIRE_LEN);
  for (const input of graphs.flatMap((graph) => [...fields(model, graph.start, graph.end)]).filter((f) => f.number === GRAPH_INPUT)) {
    const parts = [...fields(model, input.start, input.end)];
    const own = parts.find((f) => f.number === VALUE_INFO_NAME);
    if (!own || text(model, own) !== name) continue;
    // ValueInfoProto.type (2) -> TypeProto.tensor_type (1) -> elem_type (1)
    const type = parts.find((f) => f.number === 2 && f.wire === WIRE_LEN);
    const tensor = type && [...fields(model, type.start, type.end)].find((f) => f.number === 1 && f.wire === WIRE_LEN);
    const elem = tensor && [...fields(model, tensor.start, tensor.end)].find((f) => f.number === 1 && f.wire === WIRE_VARINT);
    return elem ? elem.value : null;
  }
  return null;
}
