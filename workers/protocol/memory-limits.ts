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

/** What a page may take of system memory (the browser and the OS need the rest). */
export const PAGE_SHARE_OF_MEMORY = 0.5;

/**
 * System memory where the browser does not say: navigator.deviceMemory is Chromium's (which
 * reports at most 8 GiB); Firefox and Safari, on phones too, leave it out. A guess too low costs
 * a warning the user may pass; too high, a download of gigabytes that then fails to load.
 */
const UNKNOWN_DEVICE_MEMORY_BYTES = 4 * GIB;

/** System memory from navigator.deviceMemory (GiB), or the guess above where it is absent. */
export function systemMemoryBytes(deviceMemoryGiB: number | undefined): number {
  return deviceMemoryGiB ? deviceMemoryGiB * GIB : UNKNOWN_DEVICE_MEMORY_BYTES;
}

/**
 * KV caches alive at once on WASM, in system memory: a step feeds the cache as past_key_values
 * and gets present.* one token longer before the old one goes (kv-cache.ts), and both also sit in
 * the onnxruntime heap (inputs are copied in, outputs out) while the cache stays in JS memory.
 */
export const WASM_KV_COPIES = 3;

/**
 * On WASM, the memory unpacking 4-bit weights may add (split/unpack-weights.ts): what the page's
 * share leaves once the stored weights and the KV caches of the whole context have theirs, the
 * same sum the catalog's capability check makes, so a model it says fits still does.
 */
export function unpackAllowance(memory: { deviceMemoryBytes: number; weightBytes: number; kvBytesPerToken: number; contextTokens: number }): number {
  const { deviceMemoryBytes, weightBytes, kvBytesPerToken, contextTokens } = memory;
  return Math.max(0, PAGE_SHARE_OF_MEMORY * deviceMemoryBytes - weightBytes - WASM_KV_COPIES * kvBytesPerToken * contextTokens);
}

/**
 * On WASM, the context a model serves while it starts on its 4-bit weights and its unpacked
 * pipeline is built beside them (engine/speed-up.ts): the 4-bit copy (weightBytes) borrows the
 * KV caches of the context's far end, so the page stays within the share unpackAllowance keeps.
 * Prompts longer than this wait for the speed-up.
 */
export function speedUpContextTokens(memory: { deviceMemoryBytes: number; weightBytes: number; addedBytes: number; kvBytesPerToken: number; contextTokens: number }): number {
  const { deviceMemoryBytes, weightBytes, addedBytes, kvBytesPerToken, contextTokens } = memory;
  const left = PAGE_SHARE_OF_MEMORY * deviceMemoryBytes - 2 * weightBytes - addedBytes;
  return Math.max(0, Math.min(contextTokens, Math.floor(left / (WASM_KV_COPIES * kvBytesPerToken))));
}
