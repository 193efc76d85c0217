// Load-time rewrite: the lm_head runs only on the positions asked for. The onnx-community
// graphs compute logits for every position (a 4K-token prompt on 0.5B: 4K x 151,936 floats and
// the matmul behind them); after this rewrite a Gather on the final hidden states, driven by a
// new input `logits_rows` (int64 [rows], positions in the chunk, negative = from the end), feeds
// the lm_head, so decoding asks for one row and teacher forcing for a range. A row may be asked
// for more than once: on some adapters the lm_head is faster on 4 rows than on 1 (decoder.ts).
//
// The edit never moves a byte of the original file: the lm_head's input is renamed in place to
// a name of the same length, and the Gather, its attribute and the new input are appended (graph-edit.ts).
import { text, Writer } from './protobuf.ts';
import { DATA_TYPE, GRAPH_INPUT, appendGraph, indexGraph, rename, sameLengthName, type NodeRef } from './graph-edit.ts';
import { GraphAddition } from './graph-addition.ts';

export const LOGITS_ROWS = 'logits_rows';

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
  if (graph.names.has(LOGITS_ROWS)) return { rewritten: false, reason: `the graph already has an input named ${LOGITS_ROWS}` };
  let node = producers.get('logits');
  while (node && PASS_THROUGH.has(node.opType)) node = producers.get(text(model, node.inputs[0]!));
  if (!node || !LM_HEAD_OPS.has(node.opType)) return { rewritten: false, reason: 'no MatMul found behind the logits output' };
  const hidden = node.inputs[0]!;
  const hiddenName = text(model, hidden);
  const gathered = sameLengthName(hiddenName, graph.names);
  if (!gathered) return { rewritten: false, reason: `cannot rename ${hiddenName}` };

  rename(model, hidden, gathered);
  return { rewritten: true, model: appendGraph(model, graphAddition(hiddenName, gathered)), lmHead: node.opType };
}

function graphAddition(hidden: string, gathered: string): Writer {
  const addition = new GraphAddition('qwen_local');
  addition.node('Gather', LOGITS_ROWS, [hidden, LOGITS_ROWS], [gathered], { axis: { int: 1 } });
  // ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: INT64, shape { dim { dim_param: "logits_rows" } } } } }
  const shape = new Writer().message(1, new Writer().string(2, LOGITS_ROWS));
  const type = new Writer().message(1, new Writer().varint(1, DATA_TYPE.int64).message(2, shape));
  return addition.graph.message(GRAPH_INPUT, new Writer().string(1, LOGITS_ROWS).message(2, type));
}
