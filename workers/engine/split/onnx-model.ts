// An ONNX model read for splitting: its nodes, initializers and graph I/O as byte ranges into
// the file (nothing decoded or copied), with what a split must know of each: the decoder layer
// a node belongs to, where an initializer's bytes are, and the element type of any tensor.
import { fields, text, WIRE_LEN, WIRE_VARINT, type Field } from '../graph-rewrite/protobuf.ts';
import { DATA_TYPE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_NODE, GRAPH_OUTPUT, GRAPH_VALUE_INFO, MODEL_GRAPH, readNode, readTensor } from '../graph-rewrite/graph-edit.ts';

const MODEL_OPSET_IMPORT = 8;

const ELEM_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

export interface OnnxNode {
  /** The NodeProto's bytes, copied as they are into a stage. */
  field: Field;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  ints: Map<string, number>;
  /** The decoder layer its name places it in (`/model/layers.N/`), or null. */
  layer: number | null;
}

export interface ExternalRange {
  location: string;
  offset: number;
  length: number;
}

export interface OnnxTensor {
  field: Field;
  name: string;
  dims: number[];
  dataType: number;
  bytes: number;
  /** raw_data within the file, or where the values are in an external data file. */
  raw: Field | null;
  external: ExternalRange | null;
}

export interface OnnxModel {
  bytes: Uint8Array;
  /** Top-level ModelProto fields other than the graph (ir_version, opset_import, ...). */
  modelFields: Field[];
  graphName: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs and outputs: their ValueInfoProto bytes by name, in order. */
  inputs: Map<string, Field>;
  outputs: Map<string, Field>;
  /** Element types known from the graph's value infos, inputs, outputs and initializers. */
  declaredTypes: Map<string, number>;
  /** The default domain's opset. */
  opset: number;
}

export function readOnnxModel(bytes: Uint8Array): OnnxModel {
  const model: OnnxModel = {
    bytes,
    modelFields: [],
    graphName: 'graph',
    nodes: [],
    initializers: new Map(),
    inputs: new Map(),
    outputs: new Map(),
    declaredTypes: new Map(),
    opset: 0,
  };
  // A load-time rewrite appends a second graph field; a parser merges the two, and so does this.
  for (const top of fields(bytes)) {
    if (top.number !== MODEL_GRAPH || top.wire !== WIRE_LEN) {
      model.modelFields.push(top);
      if (top.number === MODEL_OPSET_IMPORT) readOpset(bytes, top, model);
      continue;
    }
    for (const f of fields(bytes, top.start, top.end)) {
      if (f.number === GRAPH_NODE) model.nodes.push(onnxNode(bytes, f));
      else if (f.number === GRAPH_INITIALIZER) {
        const tensor = onnxTensor(bytes, f);
        model.initializers.set(tensor.name, tensor);
        model.declaredTypes.set(tensor.name, tensor.dataType);
      } else if (f.number === GRAPH_INPUT || f.number === GRAPH_OUTPUT || f.number === GRAPH_VALUE_INFO) {
        const { name, elemType } = readValueInfo(bytes, f);
        if (elemType) model.declaredTypes.set(name, elemType);
        if (f.number === GRAPH_INPUT && !model.initializers.has(name)) model.inputs.set(name, f);
        if (f.number === GRAPH_OUTPUT) model.outputs.set(name, f);
      } else if (f.number === 2) model.graphName = text(bytes, f);
    }
  }
  return model;
}

function readOpset(bytes: Uint8Array, field: Field, model: OnnxModel): void {
  let domain = '';
  let version = 0;
  for (const f of fields(bytes, field.start, field.end)) {
    if (f.number === 1) domain = text(bytes, f);
    else if (f.number === 2 && f.wire === WIRE_VARINT) version = f.value;
  }
  if (domain === '' || domain === 'ai.onnx') model.opset = version;
}

function onnxNode(bytes: Uint8Array, field: Field): OnnxNode {
  const { name, opType, domain, inputs, outputs, ints } = readNode(bytes, field);
  // Optimum and the onnxruntime-genai builder both name a layer's nodes /model/layers.N/...
  const layer = /(?:^|\/)layers\.(\d+)\//.exec(name);
  const names = (list: Field[]) => list.map((f) => text(bytes, f));
  return { field, name, opType, domain, inputs: names(inputs), outputs: names(outputs), ints, layer: layer ? Number(layer[1]) : null };
}

function onnxTensor(bytes: Uint8Array, field: Field): OnnxTensor {
  const ref = readTensor(bytes, field);
  const count = ref.dims.reduce((a, b) => a * b, 1);
  const inline = ref.data && !ref.external ? ref.data : null;
  const tensor: OnnxTensor = { field, name: ref.name ? text(bytes, ref.name) : '', dims: ref.dims, dataType: ref.dataType, bytes: 0, raw: inline, external: null };
  tensor.bytes = inline ? inline.end - inline.start : count * (ELEM_BYTES[ref.dataType] ?? 4);
  const location = ref.externalData.get('location');
  if (location !== undefined) {
    const length = ref.externalData.has('length') ? Number(ref.externalData.get('length')) : tensor.bytes;
    tensor.external = { location, offset: Number(ref.externalData.get('offset') ?? 0), length };
    tensor.bytes = length;
  }
  return tensor;
}

function readValueInfo(bytes: Uint8Array, field: Field): { name: string; elemType: number } {
  let name = '';
  let elemType = 0;
  for (const f of fields(bytes, field.start, field.end)) {
    if (f.number === 1) name = text(bytes, f);
    else if (f.number === 2) {
      const tensorType = [...fields(bytes, f.start, f.end)].find((t) => t.number === 1 && t.wire === WIRE_LEN);
      const elem = tensorType && [...fields(bytes, tensorType.start, tensorType.end)].find((t) => t.number === 1 && t.wire === WIRE_VARINT);
      if (elem) elemType = elem.value;
    }
  }
  return { name, elemType };
}

/** Ops whose output element type is fixed, whatever their inputs. */
const FIXED_OUTPUT: Record<string, number> = {
  Shape: DATA_TYPE.int64,
  Size: DATA_TYPE.int64,
  NonZero: DATA_TYPE.int64,
  ArgMax: DATA_TYPE.int64,
  ArgMin: DATA_TYPE.int64,
  Equal: DATA_TYPE.bool,
  Less: DATA_TYPE.bool,
  LessOrEqual: DATA_TYPE.bool,
  Greater: DATA_TYPE.bool,
  GreaterOrEqual: DATA_TYPE.bool,
  Not: DATA_TYPE.bool,
  And: DATA_TYPE.bool,
  Or: DATA_TYPE.bool,
  Xor: DATA_TYPE.bool,
  IsNaN: DATA_TYPE.bool,
  IsInf: DATA_TYPE.bool,
};

/**
 * The element type of `name`: declared in the graph, else from its producer (Cast's `to`, a fixed
 * type, Where's and Gather's data input, else the first input's), which is all a split needs for
 * the tensors it cuts (hidden states, masks, positions).
 */
export function elementType(model: OnnxModel, producers: Map<string, OnnxNode>, name: string): number {
  const seen = new Set<string>();
  let current = name;
  for (;;) {
    const declared = model.declaredTypes.get(current);
    if (declared) return declared;
    const node = producers.get(current);
    if (!node || seen.has(current)) throw new Error(`cannot tell the element type of ${name}`);
    seen.add(current);
    if (node.opType === 'Cast') return node.ints.get('to') ?? 0;
    const fixed = FIXED_OUTPUT[node.opType];
    if (fixed) return fixed;
    current = node.opType === 'Where' ? node.inputs[1]! : node.inputs[0]!;
  }
}
