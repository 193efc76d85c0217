// Load-time rewrite: the lm_head runs only on the positions asked for. The onnx-community
// graphs compute logits for every position (a 4K-token prompt on 0.5B: 4K x 151,936 floats and
// the matmul behind them); after this rewrite a Slice on the final hidden states, driven by a
// new input `logits_start` (int64 [1], negative = from the end), feeds the lm_head, so
// decoding asks for one row and teacher forcing for a range.
//
// The edit never moves a byte of the original file: the lm_head's input is renamed in place to
// a name of the same length, and the Slice, its constants and the new input are appended as a
// second `graph` field, which protobuf parsers merge into the first (repeated fields concatenate).
import { fields, text, Writer, WIRE_LEN, type Field } from './protobuf.ts';

export const LOGITS_START = 'logits_start';

// ONNX field numbers (onnx.proto3).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const INT64 = 7;

// Between the lm_head and the `logits` output there may be a cast (q4f16 keeps fp32 I/O).
const PASS_THROUGH = new Set(['Cast', 'Identity']);
const LM_HEAD_OPS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul']);

interface NodeInfo {
  opType: string;
  inputs: Field[];
  outputs: string[];
}

export type RewriteResult = { rewritten: true; model: Uint8Array; lmHead: string } | { rewritten: false; reason: string };

/**
 * The model with logits sliced before the lm_head, or why it was left as it is. Edits `model`
 * in place, and appends in place too when its ArrayBuffer has room after it (the store
 * leaves some); otherwise returns a grown copy.
 */
export function sliceLogits(model: Uint8Array): RewriteResult {
  // Every `graph` field, as a parser merges them.
  const graphs = [...fields(model)].filter((f) => f.number === MODEL_GRAPH && f.wire === WIRE_LEN);
  if (graphs.length === 0) return { rewritten: false, reason: 'no graph' };
  const producers = new Map<string, NodeInfo>();
  const names = new Set<string>();
  for (const field of graphs.flatMap((graph) => [...fields(model, graph.start, graph.end)])) {
    if (field.number === GRAPH_NODE) {
      const node = readNode(model, field);
      for (const output of node.outputs) producers.set(output, node);
      for (const input of node.inputs) names.add(text(model, input));
      for (const output of node.outputs) names.add(output);
    } else if (field.number === GRAPH_INPUT) {
      const name = [...fields(model, field.start, field.end)].find((f) => f.number === 1);
      if (name) names.add(text(model, name));
    } else if (field.number === GRAPH_INITIALIZER) {
      const name = [...fields(model, field.start, field.end)].find((f) => f.number === TENSOR_NAME);
      if (name) names.add(text(model, name));
    }
  }
  if (names.has(LOGITS_START)) return { rewritten: false, reason: `the graph already has an input named ${LOGITS_START}` };
  let node = producers.get('logits');
  while (node && PASS_THROUGH.has(node.opType)) node = producers.get(text(model, node.inputs[0]!));
  if (!node || !LM_HEAD_OPS.has(node.opType)) return { rewritten: false, reason: 'no MatMul found behind the logits output' };
  const hidden = node.inputs[0]!;
  const hiddenName = text(model, hidden);
  const sliced = sameLengthName(hiddenName, names);
  if (!sliced) return { rewritten: false, reason: `cannot rename ${hiddenName}` };

  const appended = new Writer().message(MODEL_GRAPH, graphAddition(hiddenName, sliced)).finish();
  model.set(new TextEncoder().encode(sliced), hidden.start);
  const grown = model.byteOffset + model.byteLength + appended.byteLength <= model.buffer.byteLength;
  const out = grown ? new Uint8Array(model.buffer, model.byteOffset, model.byteLength + appended.byteLength) : new Uint8Array(model.byteLength + appended.byteLength);
  if (!grown) out.set(model);
  out.set(appended, model.byteLength);
  return { rewritten: true, model: out, lmHead: node.opType };
}

function readNode(bytes: Uint8Array, node: Field): NodeInfo {
  const info: NodeInfo = { opType: '', inputs: [], outputs: [] };
  for (const f of fields(bytes, node.start, node.end)) {
    if (f.number === NODE_INPUT) info.inputs.push(f);
    else if (f.number === NODE_OUTPUT) info.outputs.push(text(bytes, f));
    else if (f.number === NODE_OP_TYPE) info.opType = text(bytes, f);
  }
  return info;
}

// A fresh name of the same UTF-8 length: the original with its first characters replaced.
function sameLengthName(name: string, taken: Set<string>): string | null {
  const length = new TextEncoder().encode(name).byteLength;
  for (let n = 0; n < 1000; n++) {
    const candidate = `~${n}~${'_'.repeat(length)}`.slice(0, length);
    if (candidate.length === length && !taken.has(candidate)) return candidate;
  }
  return null;
}

function graphAddition(hidden: string, sliced: string): Writer {
  const ends = 'qwen_local/logits_slice/ends';
  const axes = 'qwen_local/logits_slice/axes';
  const slice = new Writer()
    .string(NODE_INPUT, hidden)
    .string(NODE_INPUT, LOGITS_START)
    .string(NODE_INPUT, ends)
    .string(NODE_INPUT, axes)
    .string(NODE_OUTPUT, sliced)
    .string(NODE_NAME, 'qwen_local/logits_slice')
    .string(NODE_OP_TYPE, 'Slice');
  const int64 = (name: string, value: bigint): Writer => {
    const raw = new Uint8Array(8);
    new DataView(raw.buffer).setBigInt64(0, value, true);
    return new Writer().varint(TENSOR_DIMS, 1).varint(TENSOR_DATA_TYPE, INT64).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, raw);
  };
  // ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: INT64, shape { dim { dim_value: 1 } } } } }
  const shape = new Writer().message(1, new Writer().varint(1, 1));
  const type = new Writer().message(1, new Writer().varint(1, INT64).message(2, shape));
  const input = new Writer().string(1, LOGITS_START).message(2, type);
  return new Writer()
    .message(GRAPH_NODE, slice)
    .message(GRAPH_INITIALIZER, int64(ends, 9223372036854775807n))
    .message(GRAPH_INITIALIZER, int64(axes, 1n))
    .message(GRAPH_INPUT, input);
}
