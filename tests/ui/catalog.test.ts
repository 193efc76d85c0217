// The catalog's facts: Qwen's own releases at every size (GPTQ-Int4, AWQ, bf16 instruct; bf16
// base; Coder) sized from the architecture, checked against figures worked out by hand and
// against onnx-community's listing of the same layout; the onnx-community exports that exist,
// with their confirmed sizes; the compare pair of two models made 4-bit the same way.
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogEntry, comparePairs, isRepoId, weightsOf, type QwenArchitecture } from '../../src/lib/catalog/models.ts';

describe('catalog', () => {
  it("offers Qwen's own releases for every size and kind, then onnx-community's exports that exist", () => {
    for (const size of ['0.5B', '1.5B', '3B', '7B']) {
      for (const repo of [`Qwen2.5-${size}-Instruct-GPTQ-Int4`, `Qwen2.5-${size}-Instruct-AWQ`, `Qwen2.5-${size}-Instruct`, `Qwen2.5-${size}`, `Qwen2.5-Coder-${size}-Instruct`, `Qwen2.5-Coder-${size}`]) {
        const entry = catalogEntry(`Qwen/${repo}`);
        expect(entry?.size, repo).toBe(size);
        expect(weightsOf(entry!)).toBe('safetensors');
      }
    }
    expect(CATALOG.filter((m) => m.release === 'onnx').map((m) => m.repo)).toEqual([
      'onnx-community/Qwen2.5-0.5B-Instruct',
      'onnx-community/Qwen2.5-0.5B-Instruct-ONNX-GQA',
      'onnx-community/Qwen2.5-1.5B-Instruct',
      'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
      'onnx-community/Qwen2.5-Coder-0.5B',
    ]);
    expect(catalogEntry('onnx-community/Qwen2.5-0.5B-Instruct')!.downloadBytes).toEqual({ q4f16: 483e6, q4: 786e6 });
    expect(catalogEntry('onnx-community/Qwen2.5-1.5B-Instruct')!.modelBytes).toEqual({ q4f16: 1.22e9, q4: 1.79e9 });
    expect(CATALOG.filter((m) => !m.loadable)).toEqual([]);
    expect(new Set(CATALOG.map((m) => m.repo)).size).toBe(CATALOG.length);
  });

  it('carries each size’s architecture from its config.json', () => {
    const arch = (repo: string): QwenArchitecture => catalogEntry(`Qwen/${repo}`)!.architecture;
    expect(arch('Qwen2.5-0.5B-Instruct')).toEqual({ hiddenSize: 896, intermediateSize: 4864, layers: 24, kvHeads: 2, headDim: 64, vocab: 151_936, tiedEmbeddings: true, maxPositionEmbeddings: 32_768 });
    expect(arch('Qwen2.5-1.5B')).toMatchObject({ hiddenSize: 1536, intermediateSize: 8960, layers: 28, kvHeads: 2, headDim: 128, tiedEmbeddings: true });
    expect(arch('Qwen2.5-3B-Instruct-AWQ')).toMatchObject({ hiddenSize: 2048, intermediateSize: 11_008, layers: 36, kvHeads: 2, headDim: 128, tiedEmbeddings: true });
    expect(arch('Qwen2.5-7B-Instruct-GPTQ-Int4')).toEqual({ hiddenSize: 3584, intermediateSize: 18_944, layers: 28, kvHeads: 4, headDim: 128, vocab: 152_064, tiedEmbeddings: false, maxPositionEmbeddings: 32_768 });
  });

  it('sizes the 0.5B bf16 conversion as onnx-community lists its same-layout q4 build (Coder-0.5B-Instruct, 862 MB)', () => {
    // Embedding 151,936 × 896 × 4; per layer 14,909,440 weights / 2 + fp32 scales per 32 + 11,776
    // of norms and biases, × 24; the lm_head at 4 bits (85,084,160); final norm; rotary 32,768 × 64 × 4.
    const bf16 = catalogEntry('Qwen/Qwen2.5-0.5B-Instruct')!;
    expect(bf16.modelBytes.q4).toBe(544_538_624 + 24 * (7_454_720 + 1_863_680 + 11_776) + 85_084_160 + 3584 + 8_388_608);
    expect(Math.abs(bf16.modelBytes.q4 / 862e6 - 1)).toBeLessThan(0.001);
    // The bf16 checkpoint: two bytes a parameter (494,032,768 parameters, the embedding tied).
    expect(bf16.downloadBytes.q4).toBe(2 * 494_032_768);
    expect(bf16.approximate).toBe(true);
  });

  it('compares base and chat made 4-bit the same way, first the 0.5B pair converted from bf16', () => {
    expect(comparePairs()[0]).toEqual({ base: 'Qwen/Qwen2.5-0.5B', chat: 'Qwen/Qwen2.5-0.5B-Instruct' });
    for (const { base, chat } of comparePairs()) expect(catalogEntry(base)!.release).toBe(catalogEntry(chat)!.release);
  });

  it('accepts owner/name repository ids only', () => {
    expect(isRepoId('onnx-community/Qwen2.5-0.5B-Instruct')).toBe(true);
    expect(isRepoId(' org/name ')).toBe(true);
    expect(isRepoId('name')).toBe(false);
    expect(isRepoId('a/b/c')).toBe(false);
    expect(isRepoId('not a repo')).toBe(false);
  });
});
