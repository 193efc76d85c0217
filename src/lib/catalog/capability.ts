// The capability check: before anything is downloaded, whether a catalog model runs on this
// device, with what context, dtype and number of stages, or why not. Pure. The facts come from
// the catalog (models.ts) and the engine's split limits; the picker shows the verdict and
// model-choice passes a shorter context on to the load request.
import { QWEN_YARN_FACTOR } from '../../../workers/protocol/model-size.ts';
import { PAGE_SHARE_OF_MEMORY, STAGE_WEIGHT_BYTES, systemMemoryBytes, WASM_HEAP_BYTES, WASM_KV_COPIES } from '../../../workers/protocol/memory-limits.ts';
import type { GpuCapabilities } from '../utils/gpu-capabilities.ts';
import { CATALOG, type CatalogDtype, type CatalogModel } from './models.ts';

/** The shortest context worth offering: a system prompt, a few turns and an answer. */
const MIN_CONTEXT_TOKENS = 2048;
/** A shorter context is offered in whole steps. */
const CONTEXT_STEP_TOKENS = 1024;

/**
 * WebGPU does not reveal how much memory the GPU has. Chrome sizes maxBufferSize from it (a
 * fraction of the adapter's memory, 256 MiB to 4 GiB in practice), so four times that is a
 * conservative guess at what one tab may allocate.
 */
const GPU_BUDGET_BUFFERS = 4;
/**
 * Most WebGPU adapters (laptops, Apple silicon, phones) share system memory, and macOS lets the
 * GPU have about three quarters of it; the budget never exceeds that. A discrete GPU with more
 * memory of its own may be underestimated.
 */
const GPU_SHARE_OF_MEMORY = 0.75;

/**
 * KV caches alive at once. A step feeds the cache as past_key_values and gets present.* one token
 * longer before the old one goes (workers/engine/kv-cache.ts): two on the GPU, and in the WASM
 * heap; on WASM the cache also stays in JS memory (WASM_KV_COPIES in system memory).
 */
const KV_COPIES = { gpu: 2, wasmHeap: 2, wasmMemory: WASM_KV_COPIES } as const;

export interface WebGpuLimits {
  webgpu: true;
  shaderF16: boolean;
  maxBufferSizeBytes: number;
  maxStorageBufferBindingSizeBytes: number;
}

/** What the check knows of a device: the WebGPU adapter's limits (none: WASM) and the system memory. */
export type CapabilityDevice = (WebGpuLimits | { webgpu: false }) & { deviceMemoryBytes: number };

/**
 * weights: the weights alone exceed the memory budget; context: the weights fit, but with less
 * than MIN_CONTEXT_TOKENS of KV cache; buffer: one layer's K at that context exceeds the GPU's
 * buffer limit; heap: a stage's share exceeds the 4 GiB WASM heap; loading: one stage in transit
 * exceeds the page's share of system memory.
 */
export type NoFitReason = 'weights' | 'context' | 'buffer' | 'heap' | 'loading';

interface Plan {
  dtype: CatalogDtype;
  /** Parts the engine loads the weights in (one worker each on WASM). */
  stages: number;
}

/**
 * fits: the wanted context; shorter: only a shorter one; memoryBytes as modelMemoryBytes counts
 * it. no: `neededBytes` of the binding limit at `contextTokens` (the shortest context offered)
 * against its `availableBytes`.
 */
export type Capability =
  | (Plan & { verdict: 'fits' | 'shorter'; contextTokens: number; memoryBytes: number })
  | (Plan & { verdict: 'no'; reason: NoFitReason; contextTokens: number; neededBytes: number; availableBytes: number });

/** A limit that grows with the context: fixedBytes + bytesPerToken × tokens ≤ availableBytes. */
interface Limit {
  reason: NoFitReason;
  fixedBytes: number;
  bytesPerToken: number;
  availableBytes: number;
}

/** The device the engine will run on: the adapter unless WASM was chosen or there is none. */
export function deviceProfile(caps: GpuCapabilities | null, useGpu: boolean, deviceMemoryGiB: number | undefined): CapabilityDevice {
  const deviceMemoryBytes = systemMemoryBytes(deviceMemoryGiB);
  if (!useGpu || !caps?.webgpu) return { webgpu: false, deviceMemoryBytes };
  const { shaderF16, maxBufferSizeBytes, maxStorageBufferBindingSizeBytes } = caps.adapter;
  return { webgpu: true, shaderF16, maxBufferSizeBytes, maxStorageBufferBindingSizeBytes, deviceMemoryBytes };
}

/** The engine's choice: q4f16 needs WebGPU with shader-f16, q4 everywhere else. */
export function dtypeFor(device: CapabilityDevice): CatalogDtype {
  return device.webgpu && device.shaderF16 ? 'q4f16' : 'q4';
}

/** The q4 builds keep the KV cache float32, q4f16 float16. */
function kvElementBytes(dtype: CatalogDtype): number {
  return dtype === 'q4f16' ? 2 : 4;
}

/** K and V of every layer for one token. */
export function kvBytesPerToken(model: CatalogModel, dtype: CatalogDtype): number {
  const { layers, kvHeads, headDim } = model.architecture;
  return 2 * layers * kvHeads * headDim * kvElementBytes(dtype);
}

/** What weights and KV cache must fit in: the GPU's memory on WebGPU, the page's share of system memory on WASM. */
export function memoryBudgetBytes(device: CapabilityDevice): number {
  if (!device.webgpu) return PAGE_SHARE_OF_MEMORY * device.deviceMemoryBytes;
  return Math.min(GPU_BUDGET_BUFFERS * device.maxBufferSizeBytes, GPU_SHARE_OF_MEMORY * device.deviceMemoryBytes);
}

/** Weights and the KV caches of `contextTokens`, in the memory memoryBudgetBytes measures. */
export function modelMemoryBytes(model: CatalogModel, device: CapabilityDevice, contextTokens: number): number {
  const dtype = dtypeFor(device);
  const copies = device.webgpu ? KV_COPIES.gpu : KV_COPIES.wasmMemory;
  return model.modelBytes[dtype] + copies * kvBytesPerToken(model, dtype) * contextTokens;
}

function limitsOn(model: CatalogModel, device: CapabilityDevice, stages: number): Limit[] {
  const dtype = dtypeFor(device);
  const weights = model.modelBytes[dtype];
  const budget = memoryBudgetBytes(device);
  const perToken = kvBytesPerToken(model, dtype);
  const weightsOnly: Limit = { reason: 'weights', fixedBytes: weights, bytesPerToken: 0, availableBytes: budget };
  if (device.webgpu) {
    const { kvHeads, headDim } = model.architecture;
    return [
      weightsOnly,
      // The engine reads one stage's files into memory before it hands them to the GPU.
      { reason: 'loading', fixedBytes: weights / stages, bytesPerToken: 0, availableBytes: PAGE_SHARE_OF_MEMORY * device.deviceMemoryBytes },
      { reason: 'context', fixedBytes: weights, bytesPerToken: KV_COPIES.gpu * perToken, availableBytes: budget },
      // Weight tensors are split by rows to fit a buffer; one layer's K [kvHeads, tokens, headDim] is not.
      {
        reason: 'buffer',
        fixedBytes: 0,
        bytesPerToken: kvHeads * headDim * kvElementBytes(dtype),
        availableBytes: Math.min(device.maxBufferSizeBytes, device.maxStorageBufferBindingSizeBytes),
      },
    ];
  }
  return [
    weightsOnly,
    { reason: 'context', fixedBytes: weights, bytesPerToken: KV_COPIES.wasmMemory * perToken, availableBytes: budget },
    // Each stage's worker holds its share of the weights and of the layers' KV in its own heap.
    { reason: 'heap', fixedBytes: weights / stages, bytesPerToken: (KV_COPIES.wasmHeap * perToken) / stages, availableBytes: WASM_HEAP_BYTES },
  ];
}

/** The longest context a limit allows (-Infinity when even no context fits). */
function maxTokens(limit: Limit): number {
  const spare = limit.availableBytes - limit.fixedBytes;
  if (spare < 0) return -Infinity;
  return limit.bytesPerToken === 0 ? Infinity : Math.floor(spare / limit.bytesPerToken);
}

/** The model's context window, four times as long with YaRN (the engine's load-time rewrite). */
export function contextWindow(model: CatalogModel, longContext: boolean): number {
  return model.architecture.maxPositionEmbeddings * (longContext ? QWEN_YARN_FACTOR : 1);
}

/**
 * Whether `model` runs on `device` with `wantedContextTokens` (never more than its window with
 * YaRN), only with a shorter context (whole steps of 1,024, at least MIN_CONTEXT_TOKENS), or not.
 */
export function checkCapability(model: CatalogModel, device: CapabilityDevice, wantedContextTokens = model.architecture.maxPositionEmbeddings): Capability {
  const dtype = dtypeFor(device);
  // Weights beyond what one onnxruntime instance is given load as several stages (workers/engine/split/).
  const stages = Math.max(1, Math.ceil(model.modelBytes[dtype] / STAGE_WEIGHT_BYTES));
  const wanted = Math.min(wantedContextTokens, contextWindow(model, true));
  // The tightest limit; on a tie the first listed, the plainest reason.
  const binding = limitsOn(model, device, stages).reduce((tightest, limit) => (maxTokens(limit) < maxTokens(tightest) ? limit : tightest));
  const allowed = maxTokens(binding);
  const contextTokens = allowed >= wanted ? wanted : Math.floor(allowed / CONTEXT_STEP_TOKENS) * CONTEXT_STEP_TOKENS;
  if (contextTokens >= Math.min(wanted, MIN_CONTEXT_TOKENS)) {
    return { verdict: contextTokens === wanted ? 'fits' : 'shorter', contextTokens, dtype, stages, memoryBytes: modelMemoryBytes(model, device, contextTokens) };
  }
  const shortest = Math.min(wanted, MIN_CONTEXT_TOKENS);
  const neededBytes = binding.fixedBytes + binding.bytesPerToken * shortest;
  return { verdict: 'no', reason: binding.reason, contextTokens: shortest, neededBytes, availableBytes: binding.availableBytes, dtype, stages };
}

/**
 * The load request's maxContextTokens: none when the model fits (its own window), else the
 * check's; for a model loaded against a no, the shortest offered, so its cache stops growing
 * with a context_length_exceeded error rather than running out of memory.
 */
export function maxContextTokensFor(check: Capability): number | undefined {
  return check.verdict === 'fits' ? undefined : check.contextTokens;
}

/** The largest of Qwen's GPTQ-Int4 instruct models that fits with its whole context; else the 0.5B one. */
export function recommendedRepo(device: CapabilityDevice): string {
  const instruct = CATALOG.filter((m) => m.loadable && m.family === 'instruct' && m.release === 'gptq');
  const fitting = instruct.filter((m) => checkCapability(m, device).verdict === 'fits');
  return (fitting.at(-1) ?? instruct[0]!).repo;
}
