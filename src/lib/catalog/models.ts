// The Qwen2.5 models the app offers: Qwen's own releases (converted to INT4 ONNX in the browser)
// and onnx-community's ONNX exports, with architecture (config.json), download and run sizes per
// dtype, and whether the app loads them. One place for these facts; capability.ts checks them
// against a device, the picker only displays them.
import type { WeightsFormat } from '../../../workers/protocol/messages.ts';
import { checkpointBytes, convertedBytes, type QwenDims, type Release as OfficialRelease } from '../../../workers/protocol/model-size.ts';

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

export type Release = 'onnx' | OfficialRelease;

export interface CatalogModel {
  repo: string;
  size: ModelSize;
  family: ModelFamily;
  /**
   * What the repo holds: Qwen's own release (bf16 safetensors, or GPTQ-Int4 / AWQ at 4 bits),
   * turned into INT4 ONNX in the browser once after the download, or onnx-community's ONNX export.
   */
  release: Release;
  /** onnx-community's GQA export: the same weights with a fused attention graph. */
  gqa: boolean;
  architecture: QwenArchitecture;
  /** Bytes downloaded (the checkpoint, the same for both dtypes; or the ONNX files of the dtype). */
  downloadBytes: Record<CatalogDtype, number>;
  /** Bytes of the ONNX weights the engine runs (what the converter builds, for Qwen's releases). */
  modelBytes: Record<CatalogDtype, number>;
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
const ARCHITECTURES: Record<ModelSize, QwenArchitecture> = { '0.5B': ARCH_0_5B, '1.5B': ARCH_1_5B, '3B': ARCH_3B, '7B': ARCH_7B };

export function dimsOf(a: QwenArchitecture): QwenDims {
  return { hidden: a.hiddenSize, intermediate: a.intermediateSize, layers: a.layers, heads: a.hiddenSize / a.headDim, kvHeads: a.kvHeads, headDim: a.headDim, vocab: a.vocab, tied: a.tiedEmbeddings, maxPositions: a.maxPositionEmbeddings };
}

const NAME: Record<ModelFamily, (size: ModelSize) => string> = {
  instruct: (size) => `Qwen2.5-${size}-Instruct`,
  base: (size) => `Qwen2.5-${size}`,
  coderInstruct: (size) => `Qwen2.5-Coder-${size}-Instruct`,
  coderBase: (size) => `Qwen2.5-Coder-${size}`,
};
const RELEASE_SUFFIX: Record<OfficialRelease, string> = { gptq: '-GPTQ-Int4', awq: '-AWQ', bf16: '' };

/**
 * A release Qwen publishes on Hugging Face and ModelScope under the same name: sizes from the
 * architecture (protocol/model-size.ts), not read off the hub, which this app cannot reach
 * when it is built.
 */
function official(size: ModelSize, family: ModelFamily, release: OfficialRelease): CatalogModel {
  const architecture = ARCHITECTURES[size];
  const dims = dimsOf(architecture);
  const download = checkpointBytes(dims, release);
  return {
    repo: `Qwen/${NAME[family](size)}${RELEASE_SUFFIX[release]}`,
    size,
    family,
    release,
    gqa: false,
    architecture,
    downloadBytes: { q4: download, q4f16: download },
    modelBytes: { q4: convertedBytes(dims, release, 'q4'), q4f16: convertedBytes(dims, release, 'q4f16') },
    approximate: true,
    loadable: true,
  };
}

const SIZES: readonly ModelSize[] = ['0.5B', '1.5B', '3B', '7B'];

/** onnx-community's exports: the same bytes downloaded and run. */
function onnxExport(repo: string, size: ModelSize, family: ModelFamily, gqa: boolean, bytes: Record<CatalogDtype, number>, approximate: boolean): CatalogModel {
  return { repo, size, family, release: 'onnx', gqa, architecture: ARCHITECTURES[size], downloadBytes: bytes, modelBytes: bytes, approximate, loadable: true };
}

/*
 * Qwen's own releases first, every size: the instruct model as GPTQ-Int4 (the default, the
 * smallest download), AWQ and bf16, the base model (bf16), and Coder. Then the ONNX exports
 * onnx-community publishes (0.5B and 1.5B Instruct, the 0.5B GQA build, Coder 0.5B); its 3B and
 * 7B Qwen2.5 repos are not listed anywhere, so they are not offered. The onnx-community q4/q4f16
 * layout keeps the embedding at fp32/fp16 and every other matrix as MatMulNBits, which gives the
 * sizes below; the Coder builds' newer export stores the lm_head too (Coder-0.5B-Instruct lists
 * 862 MB q4, 555 MB q4f16), so they are estimates.
 */
export const CATALOG: readonly CatalogModel[] = [
  ...SIZES.flatMap((size) => [
    official(size, 'instruct', 'gptq'),
    official(size, 'instruct', 'awq'),
    official(size, 'instruct', 'bf16'),
    official(size, 'base', 'bf16'),
    official(size, 'coderInstruct', 'bf16'),
    official(size, 'coderBase', 'bf16'),
  ]),
  onnxExport('onnx-community/Qwen2.5-0.5B-Instruct', '0.5B', 'instruct', false, { q4f16: 483 * MB, q4: 786 * MB }, false),
  onnxExport('onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA', '0.5B', 'instruct', true, { q4f16: 483 * MB, q4: 786 * MB }, false),
  onnxExport('onnx-community/Qwen2.5-1.5B-Instruct', '1.5B', 'instruct', false, { q4f16: 1.22 * GB, q4: 1.79 * GB }, false),
  onnxExport('onnx-community/Qwen2.5-Coder-0.5B-Instruct', '0.5B', 'coderInstruct', false, { q4f16: 483 * MB, q4: 786 * MB }, true),
  onnxExport('onnx-community/Qwen2.5-Coder-0.5B', '0.5B', 'coderBase', false, { q4f16: 483 * MB, q4: 786 * MB }, true),
];

/** What the load request says the repo holds. */
export function weightsOf(model: CatalogModel): WeightsFormat {
  return model.release === 'onnx' ? 'onnx' : 'safetensors';
}

const INSTRUCT_OF: Partial<Record<ModelFamily, ModelFamily>> = { base: 'instruct', coderBase: 'coderInstruct' };

/**
 * Base models with their post-trained sibling (same family, size and release, so both were made
 * 4-bit the same way and the diff shows post-training, not two quantizers), for the compare view.
 */
export function comparePairs(): { base: string; chat: string }[] {
  return CATALOG.flatMap((base) => {
    const chat = CATALOG.find((m) => m.family === INSTRUCT_OF[base.family] && m.size === base.size && m.release === base.release && !m.gqa && m.loadable);
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
