// Serializes the graph the converter builds to an ONNX ModelProto with the engine's protobuf
// writer (no protobuf library in the bundle): nodes, graph I/O, small tensors inline, weights as
// external data (location, offset, length) in the file beside it. Field numbers: onnx.proto3.
import { Writer } from '../engine/graph-rewrite/protobuf.ts';
import { DATA_TYPE } from '../engine/graph-rewrite/graph-edit.ts';

export type ElemType = keyof typeof DATA_TYPE;
export type AttrValue = number | number[] | string | { float: number };
export type Dim = number | string;

export interface NodeDef {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  domain: string;
}

export interface ValueDef {
  name: string;
  type: ElemType;
  dims: Dim[];
}

export interface TensorDef {
  name: string;
  type: ElemType;
  dims: number[];
  /** Values inline, or where they are in which external data file. */
  data: Uint8Array | { file: number; offset: number; length: number };
}

export interface ModelDef {
  nodes: NodeDef[];
  inputs: ValueDef[];
  outputs: ValueDef[];
  initializers: TensorDef[];
  /** External data file `i`'s name, as the model refers to it. */
  dataFile: (index: number) => string;
  producer: { name: string; version: string };
}

// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto fields.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, ints: 8, type: 20 } as const;
const ATTR_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
const EXTERNAL = 1;

export const MS_DOMAIN = 'com.microsoft';
/** IR 8, opset 14: what the forge's graphs (and onnxruntime-genai's builds) declare. */
const IR_VERSION = 8;
const OPSETS: [string, number][] = [
  ['', 14],
  [MS_DOMAIN, 1],
];

export function encodeModel(def: ModelDef): Uint8Array {
  const graph = new Writer();
  for (const node of def.nodes) graph.message(GRAPH.node, encodeNode(node));
  graph.string(GRAPH.name, 'main_graph');
  for (const tensor of def.initializers) graph.message(GRAPH.initializer, encodeTensor(tensor, def.dataFile));
  for (const input of def.inputs) graph.message(GRAPH.input, encodeValue(input));
  for (const output of def.outputs) graph.message(GRAPH.output, encodeValue(output));
  const model = new Writer().varint(MODEL.irVersion, IR_VERSION).string(MODEL.producerName, def.producer.name).string(MODEL.producerVersion, def.producer.version).message(MODEL.graph, graph);
  for (const [domain, version] of OPSETS) model.message(MODEL.opsetImport, new Writer().string(1, domain).varint(2, version));
  return model.finish();
}

function encodeNode(node: NodeDef): Writer {
  const w = new Writer();
  for (const input of node.inputs) w.string(NODE.input, input);
  for (const output of node.outputs) w.string(NODE.output, output);
  w.string(NODE.name, node.name).string(NODE.opType, node.opType);
  for (const [name, value] of Object.entries(node.attrs)) w.message(NODE.attribute, encodeAttribute(name, value));
  if (node.domain) w.string(NODE.domain, node.domain);
  return w;
}

function encodeAttribute(name: string, value: AttrValue): Writer {
  const w = new Writer().string(ATTR.name, name);
  if (typeof value === 'string') return w.string(ATTR.s, value).varint(ATTR.type, ATTR_TYPE.string);
  if (typeof value === 'number') return w.varint(ATTR.i, value).varint(ATTR.type, ATTR_TYPE.int);
  if (Array.isArray(value)) {
    for (const v of value) w.varint(ATTR.ints, v);
    return w.varint(ATTR.type, ATTR_TYPE.ints);
  }
  return w.float(ATTR.f, value.float).varint(ATTR.type, ATTR_TYPE.float);
}

function encodeTensor(t: TensorDef, dataFile: (index: number) => string): Writer {
  const w = new Writer();
  for (const dim of t.dims) w.varint(TENSOR.dims, dim);
  w.varint(TENSOR.dataType, DATA_TYPE[t.type]).string(TENSOR.name, t.name);
  if (t.data instanceof Uint8Array) return w.bytes(TENSOR.rawData, t.data);
  const entry = (key: string, value: string): Writer => new Writer().string(1, key).string(2, value);
  return w
    .message(TENSOR.externalData, entry('location', dataFile(t.data.file)))
    .message(TENSOR.externalData, entry('offset', String(t.data.offset)))
    .message(TENSOR.externalData, entry('length', String(t.data.length)))
    .varint(TENSOR.dataLocation, EXTERNAL);
}

function encodeValue(v: ValueDef): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().varint(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().varint(1, DATA_TYPE[v.type]).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}
