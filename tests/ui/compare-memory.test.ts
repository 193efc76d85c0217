// When the compare view runs both models at once and when one after the other.
import { describe, expect, it } from 'vitest';
import { comparePairs } from '../../src/lib/catalog/models.ts';
import { catalogModelBytes, compareSchedule, memoryBudget, memoryOverride } from '../../src/lib/utils/compare-memory.ts';
import type { GpuCapabilities } from '../../src/lib/utils/gpu-capabilities.ts';

const GIB = 2 ** 30;
const gpu = (maxBufferSizeBytes: number): GpuCapabilities => ({
  webgpu: true,
  adapter: { vendor: 'v', architecture: 'a', description: '', shaderF16: true, maxBufferSizeBytes, maxStorageBufferBindingSizeBytes: maxBufferSizeBytes },
  crossOriginIsolated: true,
});

describe('compareSchedule', () => {
  it('runs both at once when their sizes fit the budget, one after the other when they do not', () => {
    expect(compareSchedule({ modelBytes: [1 * GIB, 1 * GIB], budgetBytes: 4 * GIB, override: null })).toEqual({ mode: 'parallel' });
    expect(compareSchedule({ modelBytes: [3 * GIB, 2 * GIB], budgetBytes: 4 * GIB, override: null })).toEqual({
      mode: 'sequential',
      reason: 'memory',
      neededBytes: 5 * GIB,
      budgetBytes: 4 * GIB,
    });
  });

  it('counts unknown sizes and an unknown budget as fitting', () => {
    expect(compareSchedule({ modelBytes: [null, null], budgetBytes: 1, override: null })).toEqual({ mode: 'parallel' });
    expect(compareSchedule({ modelBytes: [9 * GIB, 9 * GIB], budgetBytes: null, override: null })).toEqual({ mode: 'parallel' });
  });

  it('obeys the override either way', () => {
    expect(compareSchedule({ modelBytes: [1, 1], budgetBytes: 4 * GIB, override: 'short' })).toEqual({ mode: 'sequential', reason: 'override' });
    expect(compareSchedule({ modelBytes: [3 * GIB, 2 * GIB], budgetBytes: 4 * GIB, override: 'ample' })).toEqual({ mode: 'parallel' });
  });
});

describe('memoryOverride', () => {
  it('reads ?compareMemory=short|ample and ignores anything else', () => {
    expect(memoryOverride('?hub=x&compareMemory=short')).toBe('short');
    expect(memoryOverride('?compareMemory=ample')).toBe('ample');
    expect(memoryOverride('?compareMemory=lots')).toBeNull();
    expect(memoryOverride('')).toBeNull();
  });
});

describe('memoryBudget and model sizes', () => {
  it('is four largest buffers on WebGPU, half the device memory on the CPU, unknown otherwise', () => {
    expect(memoryBudget(gpu(1 * GIB), true, 8)).toBe(4 * GIB);
    expect(memoryBudget(gpu(1 * GIB), false, 8)).toBe(4 * GIB);
    expect(memoryBudget(null, true, 4)).toBe(2 * GIB);
    expect(memoryBudget(null, false, undefined)).toBeNull();
  });

  it('sizes the catalog pair, and a 4 GiB budget holds the two 0.5B models at q4 but not at a 256 MiB adapter', () => {
    const pair = comparePairs()[0]!;
    expect(pair).toEqual({ base: 'onnx-community/Qwen2.5-Coder-0.5B', chat: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct' });
    const bytes = [catalogModelBytes(pair.base, 'q4'), catalogModelBytes(pair.chat, 'q4')];
    expect(bytes.every((b) => b !== null && b > 786e6)).toBe(true);
    expect(compareSchedule({ modelBytes: bytes, budgetBytes: memoryBudget(null, false, 8), override: null }).mode).toBe('parallel');
    expect(compareSchedule({ modelBytes: bytes, budgetBytes: memoryBudget(gpu(256 * 2 ** 20), true, 8), override: null }).mode).toBe('sequential');
    expect(catalogModelBytes('qwen-local-forge/Qwen2.5-Tiny', 'q4')).toBeNull();
  });
});
