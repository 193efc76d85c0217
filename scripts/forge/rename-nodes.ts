// A forged model as another exporter might write it: every node renamed in place to a
// meaningless name of the same length (no `/model/layers.N/`), so byte offsets stay put and the
// graph computes the same. Tests use it to check that nothing trusts node names.
import { indexGraph, NODE_NAME, rename } from '../../workers/engine/graph-rewrite/graph-edit.ts';
import { fields } from '../../workers/engine/graph-rewrite/protobuf.ts';

export function meaninglessNodeNames(model: Uint8Array): Uint8Array {
  const renamed = model.slice();
  indexGraph(renamed)!.nodes.forEach((node, i) => {
    const name = [...fields(renamed, node.field.start, node.field.end)].find((f) => f.number === NODE_NAME);
    const length = name ? name.end - name.start : 0;
    if (name) rename(renamed, name, `n${i}_`.padEnd(length, 'x').slice(0, length));
  });
  return renamed;
}
