// Top-k selection for the sampler: the ids of the k highest logits without sorting the
// vocabulary. One scan against a size-k min-heap costs O(V) when most tokens lose to the
// heap's root, as they do for real logits; ties at the boundary keep the lowest ids.

/** Writes the ids of the k highest logits into `into` (in no order) and returns how many it
 * wrote: k, or fewer when fewer logits are above -Infinity (NaN counts as -Infinity). */
export function selectTopK(logits: Float32Array, k: number, into: Int32Array): number {
  let size = 0;
  let rootLogit = Infinity;
  for (let id = 0; id < logits.length; id++) {
    const logit = logits[id]!;
    if (size < k) {
      if (!(logit > -Infinity)) continue;
      into[size] = id;
      siftUp(logits, into, size);
      size++;
      rootLogit = logits[into[0]!]!;
    } else if (logit > rootLogit) {
      // Strictly greater: ids arrive in ascending order, so an equal logit loses the tie.
      into[0] = id;
      siftDown(logits, into, size);
      rootLogit = logits[into[0]!]!;
    }
  }
  return size;
}

// Heap order: the root is the worst kept token (lowest logit, then highest id).
function worse(logits: Float32Array, a: number, b: number): boolean {
  const la = logits[a]!;
  const lb = logits[b]!;
  return la < lb || (la === lb && a > b);
}

function siftUp(logits: Float32Array, heap: Int32Array, at: number): void {
  const id = heap[at]!;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    const parentId = heap[parent]!;
    if (!worse(logits, id, parentId)) break;
    heap[at] = parentId;
    at = parent;
  }
  heap[at] = id;
}

function siftDown(logits: Float32Array, heap: Int32Array, size: number): void {
  const id = heap[0]!;
  let at = 0;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(logits, heap[child + 1]!, heap[child]!)) child++;
    const childId = heap[child]!;
    if (!worse(logits, childId, id)) break;
    heap[at] = childId;
    at = child;
  }
  heap[at] = id;
}
