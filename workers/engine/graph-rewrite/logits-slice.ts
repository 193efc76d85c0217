// Load-time rewrite: the lm_head runs only on the positions asked for. The onnx-community
// graphs compute logits for every position (a 4K-token prompt on 0.5B: 4K x 151,936 floats and
// the matmul behind them); after this rewrite a Slice on the final hidden states, driven by a
// new input `logits_start` (int64 [1], negative = from the end), feeds the lm_head, so
// decoding asks for one row and teacher forcing for a range.
//
// The edit never moves a byte of the original file: the lm_head's input is renamed in place to
// a name of the same length, and the Slice, its constants and the new input are appended (graph-edit.ts).
import { text, Writer } from './protobuf.ts';
import {
  DATA_TYPE,
  GRAPH_INITIALIZER,
  GRAPH_INPUT,
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
  type NodeRef,
} from './graph-edit.ts';

export const LOGITS_START = 'logits_start';

// Between the lm_head and the `logits` output there may be a cast (q4f16 keeps fp32 I/O).
const PASS_THROUGH = new Set(['Cast', 'Identity']);
const LM_HEAD_OPS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul']);

export type RewriteResult = { rewritten: true; model: Uint8Array; lmHead: string } | { rewritten: false; reason: string };

/**
 * The model with logits sliced before the lm_head, or why it was left as it is. Edits `model`
 * in place, and appends in place too when its ArrayBuffer has room after it (the store
 * leaves some); otherwise returns a grown copy.
 */
export function sliceLogits(model: Uint8Array): RewriteResult {
  const graph = indexGraph(model);
  if (!graph) return { rewritten: false, reason: 'no graph' };
  const producers = new Map<string, NodeRef>();
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(text(model, output), node);
  if (graph.names.has(LOGITS_START)) return { rewritten: false, reason: `the graph already has an input named ${LOGITS_START}` };
  let node = producers.get('logits');
  while (node && PASS_THROUGH.has(node.opType)) node = producers.get(text(model, node.inputs[0]!));
  if (!node || !LM_HEAD_OPS.has(node.opType)) return { rewritten: false, reason: 'no MatMul found behind the logits output' };
  const hidden = node.inputs[0]!;
  const hiddenName = text(model, hidden);
  const sliced = sameLengthName(hiddenName, graph.names);
  if (!sliced) return { rewritten: false, reason: `cannot rename ${hiddenName}` };

  rename(model, hidden, sliced);
  return { rewritten: true, model: appendGraph(model, graphAddition(hiddenName, sliced)), lmHead: node.opType };
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
    return tensorProto(name, DATA_TYPE.int64, [1], raw);
  };
  // ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: INT64, shape { dim { dim_value: 1 } } } } }
  const shape = new Writer().message(1, new Writer().varint(1, 1));
  const type = new Writer().message(1, new Writer().varint(1, DATA_TYPE.int64).message(2, shape));
  const input = new Writer().string(1, LOGITS_START).message(2, type);
  return new Writer()
    .message(GRAPH_NODE, slice)
    .message(GRAPH_INITIALIZER, int64(ends, 9223372036854775807n))
    .message(GRAPH_INITIALIZER, int64(axes, 1n))
    .message(GRAPH_INPUT, input);
}
