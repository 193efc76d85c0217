// The weight bytes one decode step reads, from the ONNX file itself: every initializer in full,
// except a table read only through Gather (the embedding), of which a step reads one row. Decode
// is bound by these reads, so bytes/token × tok/s is the weight bandwidth the EP reached.
import { readFileSync } from 'node:fs';
import { indexGraph } from '../../../workers/engine/graph-rewrite/graph-edit.ts';
import { text } from '../../../workers/engine/graph-rewrite/protobuf.ts';

export interface WeightBytes {
  /** Every initializer's bytes (what the file holds). */
  total: number;
  /** What one decode token reads: `total` less all but one row of each Gather-only table. */
  perToken: number;
}

export function weightBytes(modelPath: string): WeightBytes {
  const bytes = readFileSync(modelPath);
  const graph = indexGraph(bytes);
  if (!graph) throw new Error(`${modelPath} has no graph`);
  // Each initializer's uses: as a Gather's data (input 0) or anything else.
  const gatheredOnly = new Map<string, boolean>();
  for (const node of graph.nodes) {
    node.inputs.forEach((input, i) => {
      const name = text(bytes, input);
      gatheredOnly.set(name, (gatheredOnly.get(name) ?? true) && node.opType === 'Gather' && i === 0);
    });
  }
  let total = 0;
  let perToken = 0;
  for (const tensor of graph.initializers) {
    const size = tensor.external ? Number(tensor.externalData.get('length')) : tensor.data ? tensor.data.end - tensor.data.start : 0;
    total += size;
    const rows = tensor.name && gatheredOnly.get(text(bytes, tensor.name)) ? (tensor.dims[0] ?? 1) : 1;
    perToken += size / rows;
  }
  return { total, perToken };
}
