// The catalog's costs and the fit check against what WebGPU reports.
import { describe, expect, it } from 'vitest';
import { CATALOG, catalogEntry, dtypeFor, fitFor, isRepoId, memoryBytes, recommendedRepo } from '../../src/lib/catalog/models.ts';
import type { GpuCapabilities } from '../../src/lib/utils/gpu-capabilities.ts';

const GIB = 2 ** 30;
const gpu = (maxBuffer: number, shaderF16 = true): GpuCapabilities => ({
  webgpu: true,
  crossOriginIsolated: true,
  adapter: { vendor: 'v', architecture: 'a', description: '', shaderF16, maxBufferSizeBytes: maxBuffer, maxStorageBufferBindingSizeBytes: maxBuffer },
});
const cpu: GpuCapabilities = { webgpu: false, reason: 'no-adapter', crossOriginIsolated: true };

describe('catalog', () => {
  it('holds the confirmed sizes and marks 3B/7B as not loadable yet', () => {
    const small = catalogEntry('onnx-community/Qwen2.5-0.5B-Instruct')!;
    expect(small.downloadBytes).toEqual({ q4f16: 483e6, q4: 786e6 });
    expect(catalogEntry('onnx-community/Qwen2.5-1.5B-Instruct')!.downloadBytes).toEqual({ q4f16: 1.22e9, q4: 1.79e9 });
    expect(CATALOG.filter((m) => !m.loadable).map((m) => m.size)).toEqual(['3B', '7B']);
    expect(new Set(CATALOG.map((m) => m.repo)).size).toBe(CATALOG.length);
  });

  it('counts weights and an 8K-token fp16 KV cache', () => {
    const small = catalogEntry('onnx-community/Qwen2.5-0.5B-Instruct')!;
    expect(memoryBytes(small, 'q4f16')).toBe(483e6 + 12 * 1024 * 8192);
  });

  it('picks q4f16 only with shader-f16', () => {
    expect(dtypeFor(gpu(4 * GIB))).toBe('q4f16');
    expect(dtypeFor(gpu(4 * GIB, false))).toBe('q4');
    expect(dtypeFor(cpu)).toBe('q4');
    expect(dtypeFor(null)).toBe('q4');
  });

  it('says when a model will not fit, and recommends the largest that does', () => {
    const big = catalogEntry('onnx-community/Qwen2.5-1.5B-Instruct')!;
    // A phone-class GPU: 256 MiB buffers are too small even for the 0.5B embedding at fp16.
    expect(fitFor(big, gpu(256 * 2 ** 20))).toEqual({ fits: false, reason: 'buffer' });
    // 460 MiB buffers hold the 1.5B embedding, but without shader-f16 (the larger q4 build)
    // 4 × 460 MiB is less than it needs.
    expect(fitFor(big, gpu(460 * 2 ** 20, false))).toEqual({ fits: false, reason: 'memory' });
    expect(fitFor(big, gpu(460 * 2 ** 20, true))).toEqual({ fits: true });
    expect(fitFor(big, gpu(2 * GIB))).toEqual({ fits: true });
    expect(recommendedRepo(gpu(2 * GIB))).toBe('onnx-community/Qwen2.5-1.5B-Instruct');
    expect(recommendedRepo(gpu(400 * 2 ** 20))).toBe('onnx-community/Qwen2.5-0.5B-Instruct');
    expect(recommendedRepo(cpu)).toBe('onnx-community/Qwen2.5-0.5B-Instruct');
    expect(fitFor(big, cpu)).toEqual({ fits: true });
  });

  it('accepts owner/name repository ids only', () => {
    expect(isRepoId('onnx-community/Qwen2.5-0.5B-Instruct')).toBe(true);
    expect(isRepoId(' org/name ')).toBe(true);
    expect(isRepoId('name')).toBe(false);
    expect(isRepoId('a/b/c')).toBe(false);
    expect(isRepoId('not a repo')).toBe(false);
  });
});
