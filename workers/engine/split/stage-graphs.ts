// Writes each stage of a split plan as its own ONNX model: its nodes (copied byte for byte), the
// shared nodes they need, its initializers, and as graph I/O the model's own inputs and outputs it
// touches plus the tensors cut between stages (hidden states). Weights in external data are
// repacked into files of at most `pieceBytes` (made of slices of the stored files, nothing read
// here); a tensor above it (an embedding table, an untied lm_head) is split by rows, with its
// Gather or MatMulNBits rewritten over the pieces, which gives the same values. A MatMulNBits in
// the unpack plan (unpack-weights.ts) becomes a MatMul over float32 values made at load.
import { fields, text, Writer, WIRE_LEN, WIRE_VARINT, type Field } from '../graph-rewrite/protobuf.ts';
import {
  ATTRIBUTE_INT,
  ATTRIBUTE_NAME,
  ATTRIBUTE_TYPE,
  ATTRIBUTE_TYPE_INT,
  DATA_TYPE,
  GRAPH_INITIALIZER,
  GRAPH_INPUT,
  GRAPH_NODE,
  GRAPH_OUTPUT,
  MODEL_GRAPH,
  NODE_ATTRIBUTE,
  NODE_DOMAIN,
  NODE_INPUT,
  NODE_NAME,
  NODE_OP_TYPE,
  NODE_OUTPUT,
  TENSOR_DATA_LOCATION,
  TENSOR_DATA_TYPE,
  TENSOR_DIMS,
  TENSOR_EXTERNAL_DATA,
  TENSOR_NAME,
  tensorProto,
} from '../graph-rewrite/graph-edit.ts';
import { elementType, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-model.ts';
import { producerIndex, SHARED, type SplitPlan } from './split-plan.ts';
import { unpackedSize, type UnpackPlan } from './unpack-weights.ts';


/** A FilePart's location when its bytes are in the graph file itself (raw_data). */
export const GRAPH_BYTES = ':graph';
/** Inline tensors from this size on move to a stage file; smaller ones stay in the graph. */
const EXTERNAL_FROM_BYTES = 64 * 1024;

/** A byte range of one of the model's external data files, or of the graph file (GRAPH_BYTES). */
export interface StoredPart {
  location: string;
  offset: number;
  length: number;
}

/** float32 values unpacked at load from a MatMulNBits weight and its scales (unpackTransposed). */
export interface UnpackedPart {
  unpack: { weight: StoredPart; scales: StoredPart; k: number; n: number; blockSize: number };
  length: number;
}

export type FilePart = StoredPart | UnpackedPart;

/** An external data file of a stage: the parts it is made of, in order. */
export interface StageFile {
  path: string;
  parts: FilePart[];
}

export interface StageGraph {
  model: Uint8Array;
  inputs: string[];
  outputs: string[];
  /** The decoder layers it holds, [first, end). */
  layers: [number, number];
  files: StageFile[];
  weightBytes: number;
  /** Of weightBytes, float32 values unpacked from 4-bit weights. */
  unpackedBytes: number;
  /** Tensors split by rows to stay within the piece size. */
  splitTensors: string[];
}

export function writeStageGraphs(model: OnnxModel, plan: SplitPlan, pieceBytes: number, layers: number, unpack: UnpackPlan): StageGraph[] {
  const producers = producerIndex(model.nodes);
  const stageOf = new Map(model.nodes.map((node, i) => [node, plan.nodeStage[i]!]));
  const members = Array.from({ length: plan.stages }, (_, s) => stageNodes(model, producers, stageOf, s));
  // Tensors each stage reads, to tell which of its products others need.
  const consumers = members.map((nodes) => new Set(nodes.flatMap((n) => n.inputs)));
  return members.map((nodes, s) => {
    const writer = new StageWriter(model, pieceBytes, s, unpack);
    const produced = new Set(nodes.flatMap((n) => n.outputs));
    for (const node of nodes) writer.node(node);
    const inputs = [...new Set(nodes.flatMap((n) => n.inputs))].filter((name) => name && !produced.has(name) && !model.initializers.has(name));
    const outputs = [...produced].filter(
      (name) => model.outputs.has(name) || (stageOf.get(producers.get(name)!) === s && consumers.some((read, other) => other !== s && read.has(name))),
    );
    for (const name of inputs) writer.valueInfo(GRAPH_INPUT, name, model.inputs.get(name) ?? null, producers);
    for (const name of outputs) writer.valueInfo(GRAPH_OUTPUT, name, model.outputs.get(name) ?? null, producers);
    const end = plan.firstLayers[s + 1] ?? layers;
    return { ...writer.finish(), inputs, outputs, layers: [plan.firstLayers[s]!, end] };
  });
}

/** The stage's own nodes and the shared nodes they read from, in the model's order. */
function stageNodes(model: OnnxModel, producers: Map<string, OnnxNode>, stageOf: Map<OnnxNode, number>, stage: number): OnnxNode[] {
  const chosen = new Set<OnnxNode>();
  const pending = model.nodes.filter((n) => stageOf.get(n) === stage);
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (chosen.has(node)) continue;
    chosen.add(node);
    for (const input of node.inputs) {
      const producer = producers.get(input);
      if (producer && stageOf.get(producer) === SHARED && !chosen.has(producer)) pending.push(producer);
    }
  }
  return model.nodes.filter((n) => chosen.has(n));
}

interface Piece {
  name: string;
  dims: number[];
  /** Byte range within the tensor's values. */
  start: number;
  length: number;
}

class StageWriter {
  readonly #model: OnnxModel;
  readonly #pieceBytes: number;
  readonly #stage: number;
  readonly #unpack: UnpackPlan;
  readonly #graph = new Writer();
  readonly #written = new Set<string>();
  readonly #files: StageFile[] = [];
  #fileBytes = Infinity;
  #weightBytes = 0;
  #unpackedBytes = 0;
  readonly #splitTensors: string[] = [];

  constructor(model: OnnxModel, pieceBytes: number, stage: number, unpack: UnpackPlan) {
    this.#model = model;
    this.#pieceBytes = pieceBytes;
    this.#stage = stage;
    this.#unpack = unpack;
    this.#graph.string(2, `${model.graphName}_stage${stage}`);
  }

  node(node: OnnxNode): void {
    const bytes = this.#model.bytes;
    if (this.#unpack.has(node.name)) return this.#unpacked(node);
    const oversized = (name: string | undefined): OnnxTensor | null => {
      const tensor = name === undefined ? undefined : this.#model.initializers.get(name);
      return tensor && tensor.bytes > this.#pieceBytes ? tensor : null;
    };
    const table = node.opType === 'Gather' && (node.ints.get('axis') ?? 0) === 0 ? oversized(node.inputs[0]) : null;
    const weight = node.opType === 'MatMulNBits' && node.inputs.length === 3 ? oversized(node.inputs[1]) : null;
    if (table) return this.#splitGather(node, table);
    if (weight) return this.#splitMatMulNBits(node, weight, this.#model.initializers.get(node.inputs[2]!)!);
    for (const input of node.inputs) this.#initializer(input);
    this.#graph.bytes(GRAPH_NODE, bytes.subarray(node.field.start, node.field.end));
  }

  valueInfo(number: number, name: string, declared: Field | null, producers: Map<string, OnnxNode>): void {
    if (declared) {
      this.#graph.bytes(number, this.#model.bytes.subarray(declared.start, declared.end));
      return;
    }
    const elem = elementType(this.#model, producers, name);
    const type = new Writer().message(1, new Writer().varint(1, elem));
    this.#graph.message(number, new Writer().string(1, name).message(2, type));
  }

  finish(): { model: Uint8Array; files: StageFile[]; weightBytes: number; unpackedBytes: number; splitTensors: string[] } {
    const out = new Writer();
    for (const f of this.#model.modelFields) copyField(out, this.#model.bytes, f);
    out.message(MODEL_GRAPH, this.#graph);
    return { model: out.finish(), files: this.#files, weightBytes: this.#weightBytes, unpackedBytes: this.#unpackedBytes, splitTensors: this.#splitTensors };
  }

  #initializer(name: string): void {
    const tensor = this.#model.initializers.get(name);
    if (!tensor || this.#written.has(name)) return;
    this.#written.add(name);
    this.#weightBytes += tensor.bytes;
    if (tensor.external || (tensor.raw && tensor.bytes >= EXTERNAL_FROM_BYTES)) this.#tensor({ name, dims: tensor.dims, start: 0, length: tensor.bytes }, tensor);
    else this.#graph.bytes(GRAPH_INITIALIZER, this.#model.bytes.subarray(tensor.field.start, tensor.field.end));
  }

  /**
   * A TensorProto for `piece` of `tensor`, its values in a stage file. Values inside the graph file
   * move out too: onnxruntime holds a graph's bytes several times over while it creates a session
   * (the buffer, the parsed protobuf, the tensors), external data once.
   */
  #tensor(piece: Piece, tensor: OnnxTensor): void {
    const source = stored(tensor);
    this.#externalTensor(piece.name, piece.dims, tensor.dataType, { location: source.location, offset: source.offset + piece.start, length: piece.length });
  }

  #externalTensor(name: string, dims: number[], dataType: number, part: FilePart): void {
    const proto = new Writer();
    for (const dim of dims) proto.varint(TENSOR_DIMS, dim);
    proto.varint(TENSOR_DATA_TYPE, dataType).string(TENSOR_NAME, name);
    const { path, offset } = this.#place(part);
    const entry = (key: string, value: string): Writer => new Writer().string(1, key).string(2, value);
    proto.message(TENSOR_EXTERNAL_DATA, entry('location', path));
    proto.message(TENSOR_EXTERNAL_DATA, entry('offset', String(offset)));
    proto.message(TENSOR_EXTERNAL_DATA, entry('length', String(part.length)));
    proto.varint(TENSOR_DATA_LOCATION, 1);
    this.#graph.message(GRAPH_INITIALIZER, proto);
  }

  /** Appends `part` to the stage's current file, or starts a new one when it would pass the piece size. */
  #place(part: FilePart): { path: string; offset: number } {
    if (this.#fileBytes + part.length > this.#pieceBytes || this.#files.length === 0) {
      this.#files.push({ path: `stage${this.#stage}_${this.#files.length}.data`, parts: [] });
      this.#fileBytes = 0;
    }
    const file = this.#files.at(-1)!;
    const offset = this.#fileBytes;
    file.parts.push(part);
    this.#fileBytes += part.length;
    return { path: file.path, offset };
  }

  /** Row pieces of `tensor` (dim 0), each at most the piece size; `rowsOf` more tensors split alike. */
  #rowPieces(tensor: OnnxTensor, rows: number): { first: number; count: number }[] {
    const pieces = Math.ceil(tensor.bytes / this.#pieceBytes);
    const per = Math.ceil(rows / pieces);
    this.#splitTensors.push(tensor.name);
    return Array.from({ length: Math.ceil(rows / per) }, (_, i) => ({ first: i * per, count: Math.min(per, rows - i * per) }));
  }

  #piece(tensor: OnnxTensor, rows: number, range: { first: number; count: number }, index: number, dims: number[]): string {
    const rowBytes = tensor.bytes / rows;
    const name = `${tensor.name}/qwen_local_rows_${index}`;
    this.#weightBytes += range.count * rowBytes;
    this.#tensor({ name, dims, start: range.first * rowBytes, length: range.count * rowBytes }, tensor);
    return name;
  }

  // Gather(table, ids) over row pieces: each piece gathers clip(ids - first) and Where keeps the
  // piece an id falls in. Needs Unsqueeze with axes as an input (opset 13).
  #splitGather(node: OnnxNode, table: OnnxTensor): void {
    if (this.#model.opset < 13) throw new Error(`${table.name} is too large for one buffer and the graph's opset ${this.#model.opset} is below 13`);
    const [rows, ...rest] = table.dims as [number, ...number[]];
    const ids = node.inputs[1]!;
    const base = `${node.name}/qwen_local_split`;
    const int64 = (name: string, value: number, dims: number[] = []): string => {
      const raw = new Uint8Array(8);
      new DataView(raw.buffer).setBigInt64(0, BigInt(value), true);
      this.#graph.message(GRAPH_INITIALIZER, tensorProto(name, DATA_TYPE.int64, dims, raw));
      return name;
    };
    const zero = int64(`${base}/zero`, 0);
    const lastAxis = int64(`${base}/last_axis`, -1, [1]);
    const pieces = this.#rowPieces(table, rows);
    let acc = '';
    pieces.forEach((range, i) => {
      const piece = this.#piece(table, rows, range, i, [range.count, ...rest]);
      const shifted = i === 0 ? ids : this.#op('Sub', `${base}/sub_${i}`, [ids, int64(`${base}/first_${i}`, range.first)], `${base}/ids_${i}`);
      const clipped = this.#op('Clip', `${base}/clip_${i}`, [shifted, zero, int64(`${base}/max_${i}`, range.count - 1)], `${base}/clipped_${i}`);
      const last = i === pieces.length - 1;
      const gathered = this.#op('Gather', `${base}/gather_${i}`, [piece, clipped], i === 0 && pieces.length === 1 ? node.outputs[0]! : `${base}/gathered_${i}`);
      if (i === 0) {
        acc = gathered;
        return;
      }
      const inside = this.#op('GreaterOrEqual', `${base}/in_${i}`, [ids, `${base}/first_${i}`], `${base}/in_${i}`);
      const mask = this.#op('Unsqueeze', `${base}/mask_${i}`, [inside, lastAxis], `${base}/mask_${i}`);
      acc = this.#op('Where', `${base}/where_${i}`, [mask, gathered, acc], last ? node.outputs[0]! : `${base}/acc_${i}`);
    });
  }

  // MatMulNBits(x, B[N, blocks, bytes], scales[N * blocks]) over pieces of N, joined on the last axis.
  #splitMatMulNBits(node: OnnxNode, weight: OnnxTensor, scales: OnnxTensor): void {
    const rows = node.ints.get('N') ?? weight.dims[0]!;
    const x = node.inputs[0]!;
    this.#initializer(x);
    const base = `${node.name}/qwen_local_split`;
    const parts: string[] = [];
    const pieces = this.#rowPieces(weight, rows);
    const blocks = scales.dims.length === 1 ? scales.dims[0]! / rows : scales.dims[1]!;
    pieces.forEach((range, i) => {
      const w = this.#piece(weight, rows, range, i, [range.count, ...weight.dims.slice(1)]);
      const s = this.#piece(scales, rows, range, i, scales.dims.length === 1 ? [range.count * blocks] : [range.count, blocks]);
      const n = new Writer().string(NODE_INPUT, x).string(NODE_INPUT, w).string(NODE_INPUT, s);
      const output = `${base}/part_${i}`;
      n.string(NODE_OUTPUT, output).string(NODE_NAME, `${base}/matmul_${i}`).string(NODE_OP_TYPE, node.opType).string(NODE_DOMAIN, node.domain);
      for (const attribute of this.#attributes(node)) {
        const isN = [...fields(this.#model.bytes, attribute.start, attribute.end)].some((f) => f.number === ATTRIBUTE_NAME && text(this.#model.bytes, f) === 'N');
        if (isN) n.message(NODE_ATTRIBUTE, intAttribute('N', range.count));
        else n.bytes(NODE_ATTRIBUTE, this.#model.bytes.subarray(attribute.start, attribute.end));
      }
      this.#graph.message(GRAPH_NODE, n);
      parts.push(output);
    });
    this.#op('Concat', `${base}/concat`, parts, node.outputs[0]!, [intAttribute('axis', -1)]);
  }

  // MatMulNBits(x, B, scales) → MatMul(x, values [K, N]), the values unpacked while the stage loads.
  #unpacked(node: OnnxNode): void {
    const source = this.#unpack.get(node.name)!;
    const { weight, scales, k, n, blockSize } = source;
    const name = `${weight.name}/qwen_local_float32`;
    if (!this.#written.has(name)) {
      this.#written.add(name);
      const length = unpackedSize(source);
      this.#weightBytes += length;
      this.#unpackedBytes += length;
      const unpack = { weight: stored(weight), scales: stored(scales), k, n, blockSize };
      this.#externalTensor(name, [k, n], DATA_TYPE.float32, { unpack, length });
    }
    this.#op('MatMul', node.name, [node.inputs[0]!, name], node.outputs[0]!);
  }

  /** Writes a node of the default domain; returns its output. */
  #op(opType: string, name: string, inputs: string[], output: string, attributes: Writer[] = []): string {
    const n = new Writer();
    for (const i of inputs) n.string(NODE_INPUT, i);
    n.string(NODE_OUTPUT, output).string(NODE_NAME, name).string(NODE_OP_TYPE, opType);
    for (const attribute of attributes) n.message(NODE_ATTRIBUTE, attribute);
    this.#graph.message(GRAPH_NODE, n);
    return output;
  }

  #attributes(node: OnnxNode): Field[] {
    return [...fields(this.#model.bytes, node.field.start, node.field.end)].filter((f) => f.number === NODE_ATTRIBUTE);
  }
}

/** Where a tensor's values are stored: its external data, or its raw_data in the graph file. */
function stored(tensor: OnnxTensor): StoredPart {
  return tensor.external ?? { location: GRAPH_BYTES, offset: tensor.raw!.start, length: tensor.bytes };
}

function intAttribute(name: string, value: number): Writer {
  return new Writer().string(ATTRIBUTE_NAME, name).varint(ATTRIBUTE_INT, value).varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT);
}

function copyField(out: Writer, bytes: Uint8Array, field: Field): void {
  if (field.wire === WIRE_LEN) out.bytes(field.number, bytes.subarray(field.start, field.end));
  else if (field.wire === WIRE_VARINT) out.varint(field.number, field.value);
  else throw new Error(`unexpected fixed-width field ${field.number} in the model`);
}
