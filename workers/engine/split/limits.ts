// The memory facts that decide whether and how a model is split into stages (split-plan.ts) and
// what the catalog's capability check promises before a download. One place for both.

const GIB = 2 ** 30;

/** onnxruntime-web's WASM memory (wasm32): every session of one instance shares it. */
export const WASM_HEAP_BYTES = 4 * GIB;

/**
 * Weights one onnxruntime instance (one worker) is given: the rest of its 4 GiB heap holds its
 * layers' KV cache, the activations and the graph. A model above it runs as several stages,
 * each in its own worker with its own heap.
 */
export const STAGE_WEIGHT_BYTES = 2.25 * GIB;

/**
 * The largest piece of external data handed to onnxruntime-web: it reads each file into one
 * ArrayBuffer (Chrome allows about 2 GiB), and a tensor above it (the 7B embedding table) is
 * split by rows into pieces below it.
 */
export const MAX_PIECE_BYTES = 1 * GIB;

/**
 * Weights inside the graph file above which it is rewritten with them outside, as external data:
 * creating a session from a graph file holds its bytes about three times in the heap (the 1.5B
 * q4 file, 1.79 GB, ran out of the 4 GiB WASM heap so), external data once.
 */
export const INLINE_WEIGHT_BYTES = 512 * 2 ** 20;
