// The Qwen2.5 ONNX builds the app offers: architecture (config.json), download size per dtype,
// and whether the app loads them. One place for these facts; capability.ts checks them against a
// device, the picker only displays them.

export type ModelSize = '0.5B' | '1.5B' | '3B' | '7B';
export type ModelFamily = 'instruct' | 'base' | 'coderInstruct' | 'coderBase';
/** The builds the picker chooses between (fp32 exists but is never worth its size here). */
export type CatalogDtype = 'q4f16' | 'q4';

/** The numbers of a config.json that decide memory: copied from the Qwen2.5 release configs. */
export interface QwenArchitecture {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** The lm_head reuses the token embedding (0.5B to 3B); the 7B has its own. */
  tiedEmbeddings: boolean;
  maxPositionEmbeddings: number;
}

export interface CatalogModel {
  repo: string;
  size: ModelSize;
  family: ModelFamily;
  /** onnx-community's GQA export: the same weights with a fused attention graph. */
  gqa: boolean;
  architecture: QwenArchitecture;
  /** Bytes of the ONNX weights (graph and external data files; tokenizer and configs are negligible). */
  downloadBytes: Record<CatalogDtype, number>;
  /** True when the sizes are estimates, not read off the repository. */
  approximate: boolean;
  /** False for a build the engine cannot load yet. */
  loadable: boolean;
}

const MB = 1e6;
const GB = 1e9;
/** What every size shares, except the 7B's vocabulary and lm_head. */
const COMMON = { vocab: 151_936, tiedEmbeddings: true, maxPositionEmbeddings: 32_768 };

const ARCH_0_5B: QwenArchitecture = { hiddenSize: 896, intermediateSize: 4864, layers: 24, kvHeads: 2, headDim: 64, ...COMMON };
const ARCH_1_5B: QwenArchitecture = { hiddenSize: 1536, intermediateSize: 8960, layers: 28, kvHeads: 2, headDim: 128, ...COMMON };
const ARCH_3B: QwenArchitecture = { hiddenSize: 2048, intermediateSize: 11_008, layers: 36, kvHeads: 2, headDim: 128, ...COMMON };
const ARCH_7B: QwenArchitecture = { ...COMMON, hiddenSize: 3584, intermediateSize: 18_944, layers: 28, kvHeads: 4, headDim: 128, vocab: 152_064, tiedEmbeddings: false };

const SMALL = { size: '0.5B', architecture: ARCH_0_5B, downloadBytes: { q4f16: 483 * MB, q4: 786 * MB }, loadable: true } as const;

/*
 * The 3B and 7B sizes are estimates from the architecture. The onnx-community q4/q4f16 builds keep
 * the embedding at fp32/fp16 and turn every other matrix into MatMulNBits (4 bits a weight plus an
 * fp32/fp16 scale per block of 32), with rotary cos/sin caches of 2 x 32,768 x headDim floats. That
 * gives the 0.5B and 1.5B sizes below within 0.3%. Newer exports also store the lm_head quantized
 * (the same-architecture Qwen2.5-Coder-3B-Instruct q4 is 1.1 GB + 2.09 GB), so it is counted for
 * the 3B as it must be for the untied 7B (whose q4 embedding alone is 152,064 x 3,584 x 4 bytes).
 */
export const CATALOG: readonly CatalogModel[] = [
  { repo: 'onnx-community/Qwen2.5-0.5B-Instruct', family: 'instruct', gqa: false, approximate: false, ...SMALL },
  { repo: 'onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA', family: 'instruct', gqa: true, approximate: false, ...SMALL },
  // The Coder builds share the 0.5B architecture and borrow its sizes; their newer export stores
  // the lm_head too (Coder-0.5B-Instruct lists 862 MB q4, 555 MB q4f16).
  { repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct', family: 'coderInstruct', gqa: false, approximate: true, ...SMALL },
  { repo: 'onnx-community/Qwen2.5-Coder-0.5B', family: 'coderBase', gqa: false, approximate: true, ...SMALL },
  {
    repo: 'onnx-community/Qwen2.5-1.5B-Instruct',
    size: '1.5B',
    family: 'instruct',
    gqa: false,
    architecture: ARCH_1_5B,
    downloadBytes: { q4f16: 1.22 * GB, q4: 1.79 * GB },
    approximate: false,
    loadable: true,
  },
  {
    repo: 'onnx-community/Qwen2.5-3B-Instruct',
    size: '3B',
    family: 'instruct',
    gqa: false,
    architecture: ARCH_3B,
    downloadBytes: { q4f16: 2.37 * GB, q4: 3.21 * GB },
    approximate: true,
    loadable: true,
  },
  {
    repo: 'onnx-community/Qwen2.5-7B-Instruct',
    size: '7B',
    family: 'instruct',
    gqa: false,
    architecture: ARCH_7B,
    downloadBytes: { q4f16: 5.08 * GB, q4: 6.63 * GB },
    approximate: true,
    loadable: true,
  },
];

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
