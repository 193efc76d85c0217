// The Qwen2.5 ONNX builds the app offers, with what each costs to download and to run, and the
// fit check against the detected GPU. One place for these facts; the picker only displays them.
import type { GpuCapabilities } from '../utils/gpu-capabilities.ts';

export type ModelSize = '0.5B' | '1.5B' | '3B' | '7B';
export type ModelFamily = 'instruct' | 'base' | 'coderInstruct' | 'coderBase';
/** The builds the picker chooses between (fp32 exists but is never worth its size here). */
export type CatalogDtype = 'q4f16' | 'q4';

export interface CatalogModel {
  repo: string;
  size: ModelSize;
  family: ModelFamily;
  /** onnx-community's GQA export: the same weights with a fused attention graph. */
  gqa: boolean;
  /** Bytes of the ONNX weights file per dtype (tokenizer and configs are negligible). */
  downloadBytes: Record<CatalogDtype, number>;
  /** True when the sizes are estimates from the architecture, not read off the repository. */
  approximate: boolean;
  /** fp16 KV cache bytes per token of context. */
  kvBytesPerToken: number;
  /** The tied token embedding at fp16 (vocab × hidden × 2): the largest single tensor. */
  largestTensorBytes: number;
  /** False for builds with external data files, which a later release loads. */
  loadable: boolean;
}

const MB = 1e6;
const GB = 1e9;
const KIB = 1024;
const VOCAB = 151_936;

const SMALL = { kvBytesPerToken: 12 * KIB, largestTensorBytes: VOCAB * 896 * 2 };
const SMALL_SIZES = { q4f16: 483 * MB, q4: 786 * MB };

export const CATALOG: readonly CatalogModel[] = [
  { repo: 'onnx-community/Qwen2.5-0.5B-Instruct', size: '0.5B', family: 'instruct', gqa: false, downloadBytes: SMALL_SIZES, approximate: false, ...SMALL, loadable: true },
  { repo: 'onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA', size: '0.5B', family: 'instruct', gqa: true, downloadBytes: SMALL_SIZES, approximate: false, ...SMALL, loadable: true },
  // The Coder builds share the 0.5B architecture, so their sizes match.
  { repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct', size: '0.5B', family: 'coderInstruct', gqa: false, downloadBytes: SMALL_SIZES, approximate: true, ...SMALL, loadable: true },
  { repo: 'onnx-community/Qwen2.5-Coder-0.5B', size: '0.5B', family: 'coderBase', gqa: false, downloadBytes: SMALL_SIZES, approximate: true, ...SMALL, loadable: true },
  {
    repo: 'onnx-community/Qwen2.5-1.5B-Instruct',
    size: '1.5B',
    family: 'instruct',
    gqa: false,
    downloadBytes: { q4f16: 1.22 * GB, q4: 1.79 * GB },
    approximate: false,
    kvBytesPerToken: 28 * KIB,
    largestTensorBytes: VOCAB * 1536 * 2,
    loadable: true,
  },
  {
    repo: 'onnx-community/Qwen2.5-3B-Instruct',
    size: '3B',
    family: 'instruct',
    gqa: false,
    downloadBytes: { q4f16: 2.2 * GB, q4: 3.1 * GB },
    approximate: true,
    kvBytesPerToken: 36 * KIB,
    largestTensorBytes: VOCAB * 2048 * 2,
    loadable: false,
  },
  {
    repo: 'onnx-community/Qwen2.5-7B-Instruct',
    size: '7B',
    family: 'instruct',
    gqa: false,
    downloadBytes: { q4f16: 5.0 * GB, q4: 6.5 * GB },
    approximate: true,
    kvBytesPerToken: 56 * KIB,
    largestTensorBytes: 152_064 * 3584 * 2,
    loadable: false,
  },
];

/** The context the memory figure plans for: a long chat, well short of the 32K window. */
export const PLANNED_CONTEXT_TOKENS = 8192;

/** Which build the engine will pick: q4f16 needs WebGPU with shader-f16. */
export function dtypeFor(caps: GpuCapabilities | null): CatalogDtype {
  return caps?.webgpu && caps.adapter.shaderF16 ? 'q4f16' : 'q4';
}

/** Weights plus the KV cache of the planned context. */
export function memoryBytes(model: CatalogModel, dtype: CatalogDtype): number {
  return model.downloadBytes[dtype] + model.kvBytesPerToken * PLANNED_CONTEXT_TOKENS;
}

export type Fit = { fits: true } | { fits: false; reason: 'buffer' | 'memory' };

/**
 * WebGPU does not reveal how much memory the GPU has. Chrome sizes maxBufferSize from it (a
 * fraction of the adapter's memory, 256 MiB to 4 GiB in practice), so four times that is a
 * conservative guess at what one tab may allocate. Without WebGPU everything runs on the CPU
 * and fits, slowly.
 */
export function fitFor(model: CatalogModel, caps: GpuCapabilities | null): Fit {
  if (!caps?.webgpu) return { fits: true };
  const { maxBufferSizeBytes, maxStorageBufferBindingSizeBytes } = caps.adapter;
  if (model.largestTensorBytes > Math.min(maxBufferSizeBytes, maxStorageBufferBindingSizeBytes)) return { fits: false, reason: 'buffer' };
  if (memoryBytes(model, dtypeFor(caps)) > 4 * maxBufferSizeBytes) return { fits: false, reason: 'memory' };
  return { fits: true };
}

/** The largest loadable instruct model that fits; the 0.5B one on the CPU. */
export function recommendedRepo(caps: GpuCapabilities | null): string {
  const instruct = CATALOG.filter((m) => m.loadable && m.family === 'instruct' && !m.gqa);
  const fitting = caps?.webgpu ? instruct.filter((m) => fitFor(m, caps).fits) : [];
  return (fitting.at(-1) ?? instruct[0]!).repo;
}

const INSTRUCT_OF: Partial<Record<ModelFamily, ModelFamily>> = { base: 'instruct', coderBase: 'coderInstruct' };

/** Base models with their post-trained sibling (same family and size), for the compare view. */
export function comparePairs(): { base: string; chat: string }[] {
  return CATALOG.flatMap((base) => {
    const chat = CATALOG.find((m) => m.family === INSTRUCT_OF[base.family] && m.size === base.size && !m.gqa && m.loadable);
    return chat && base.loadable ? [{ base: base.repo, chat: chat.repo }] : [];
  });
}

export function catalogEntry(repo: string): CatalogModel | undefined {
  return CATALOG.find((m) => m.repo === repo);
}

/** A Hugging Face style repository id: owner/name. */
export function isRepoId(text: string): boolean {
  return /^[\w.-]+\/[\w.-]+$/.test(text.trim());
}
