// The catalog's facts: confirmed sizes, the architecture the capability check reads, and the
// 3B/7B size estimates against the formula that reproduces the confirmed sizes.
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogEntry, isRepoId, type CatalogDtype, type QwenArchitecture } from '../../src/lib/catalog/models.ts';

/**
 * The onnx-community q4/q4f16 layout: the embedding at fp32/fp16, every other matrix as
 * MatMulNBits (4 bits a weight and one fp32/fp16 scale per 32), rotary cos/sin caches of
 * 2 × 32,768 × headDim floats, and the lm_head as MatMulNBits when the export stores it.
 */
function estimatedBytes(a: QwenArchitecture, dtype: CatalogDtype, lmHead: boolean): number {
  const floatBytes = dtype === 'q4' ? 4 : 2;
  const kvDim = a.kvHeads * a.headDim;
  const linear = a.layers * (a.hiddenSize * (2 * a.hiddenSize + 2 * kvDim) + 3 * a.hiddenSize * a.intermediateSize);
  const embedding = a.vocab * a.hiddenSize;
  const rotary = 2 * a.maxPositionEmbeddings * a.headDim * floatBytes;
  return embedding * floatBytes + (linear + (lmHead ? embedding : 0)) * (0.5 + floatBytes / 32) + rotary;
}

const within = (actual: number, expected: number, fraction: number): boolean => Math.abs(actual - expected) <= expected * fraction;

describe('catalog', () => {
  it('holds the confirmed sizes, and every build is loadable', () => {
    const small = catalogEntry('onnx-community/Qwen2.5-0.5B-Instruct')!;
    expect(small.downloadBytes).toEqual({ q4f16: 483e6, q4: 786e6 });
    expect(catalogEntry('onnx-community/Qwen2.5-1.5B-Instruct')!.downloadBytes).toEqual({ q4f16: 1.22e9, q4: 1.79e9 });
    expect(CATALOG.filter((m) => !m.loadable)).toEqual([]);
    expect(CATALOG.map((m) => m.size)).toEqual(['0.5B', '0.5B', '0.5B', '0.5B', '1.5B', '3B', '7B']);
    expect(new Set(CATALOG.map((m) => m.repo)).size).toBe(CATALOG.length);
  });

  it('carries each size’s architecture from its config.json', () => {
    const arch = (repo: string): QwenArchitecture => catalogEntry(`onnx-community/${repo}`)!.architecture;
    expect(arch('Qwen2.5-0.5B-Instruct')).toEqual({ hiddenSize: 896, intermediateSize: 4864, layers: 24, kvHeads: 2, headDim: 64, vocab: 151_936, tiedEmbeddings: true, maxPositionEmbeddings: 32_768 });
    expect(arch('Qwen2.5-1.5B-Instruct')).toMatchObject({ hiddenSize: 1536, intermediateSize: 8960, layers: 28, kvHeads: 2, headDim: 128, tiedEmbeddings: true });
    expect(arch('Qwen2.5-3B-Instruct')).toMatchObject({ hiddenSize: 2048, intermediateSize: 11_008, layers: 36, kvHeads: 2, headDim: 128, tiedEmbeddings: true });
    expect(arch('Qwen2.5-7B-Instruct')).toEqual({ hiddenSize: 3584, intermediateSize: 18_944, layers: 28, kvHeads: 4, headDim: 128, vocab: 152_064, tiedEmbeddings: false, maxPositionEmbeddings: 32_768 });
    expect(new Set(CATALOG.map((m) => m.architecture.maxPositionEmbeddings))).toEqual(new Set([32_768]));
  });

  it('estimates 3B and 7B with the formula that reproduces the confirmed 0.5B and 1.5B sizes', () => {
    for (const repo of ['onnx-community/Qwen2.5-0.5B-Instruct', 'onnx-community/Qwen2.5-1.5B-Instruct']) {
      const model = catalogEntry(repo)!;
      expect(model.approximate).toBe(false);
      for (const dtype of ['q4', 'q4f16'] as const) expect(within(estimatedBytes(model.architecture, dtype, false), model.downloadBytes[dtype], 0.003), `${repo} ${dtype}`).toBe(true);
    }
    // Counting the lm_head: newer exports store it (Qwen2.5-Coder-3B-Instruct q4: 1.1 GB + 2.09 GB), the untied 7B must.
    for (const repo of ['onnx-community/Qwen2.5-3B-Instruct', 'onnx-community/Qwen2.5-7B-Instruct']) {
      const model = catalogEntry(repo)!;
      expect(model.approximate).toBe(true);
      for (const dtype of ['q4', 'q4f16'] as const) expect(within(model.downloadBytes[dtype], estimatedBytes(model.architecture, dtype, true), 0.003), `${repo} ${dtype}`).toBe(true);
    }
    expect(within(estimatedBytes(catalogEntry('onnx-community/Qwen2.5-3B-Instruct')!.architecture, 'q4', true), 1.1e9 + 2.09e9, 0.01)).toBe(true);
  });

  it('accepts owner/name repository ids only', () => {
    expect(isRepoId('onnx-community/Qwen2.5-0.5B-Instruct')).toBe(true);
    expect(isRepoId(' org/name ')).toBe(true);
    expect(isRepoId('name')).toBe(false);
    expect(isRepoId('a/b/c')).toBe(false);
    expect(isRepoId('not a repo')).toBe(false);
  });
});
