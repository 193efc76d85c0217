// When the compare view runs both models at once and when one after the other.
import { describe, expect, it } from 'vitest';
import { memoryBudgetBytes, type CapabilityDevice } from '../../src/lib/catalog/capability.ts';
import { comparePairs } from '../../src/lib/catalog/models.ts';
import { catalogModelBytes, compareSchedule, memoryOverride } from '../../src/lib/utils/compare-memory.ts';

const GIB = 2 ** 30;
const gpu = (maxBufferSizeBytes: number): CapabilityDevice => ({
  webgpu: true,
  shaderF16: true,
  maxBufferSizeBytes,
  maxStorageBufferBindingSizeBytes: maxBufferSizeBytes,
  deviceMemoryBytes: 8 * GIB,
});
const wasm = (deviceMemoryGiB: number): CapabilityDevice => ({ webgpu: false, deviceMemoryBytes: deviceMemoryGiB * GIB });

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

  it('counts unknown sizes as fitting', () => {
    expect(compareSchedule({ modelBytes: [null, null], budgetBytes: 1, override: null })).toEqual({ mode: 'parallel' });
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

describe('budget and model sizes', () => {
  it('takes the capability check’s budget and its count of weights and KV cache', () => {
    const pair = comparePairs()[0]!;
    expect(pair).toEqual({ base: 'Qwen/Qwen2.5-0.5B', chat: 'Qwen/Qwen2.5-0.5B-Instruct' });
    // The q4 model converted from bf16 (861,939,200 bytes, catalog.test.ts) and three copies of an
    // 8,192-token float32 KV cache (24 KiB a token) on WASM.
    expect(catalogModelBytes(pair.base, wasm(8))).toBe(861_939_200 + 3 * 24 * 1024 * 8192);
    expect(catalogModelBytes('qwen-local-forge/Qwen2.5-Tiny', wasm(8))).toBeNull();
  });

  it('holds the two 0.5B models at once with 8 GiB on WASM or a 1 GiB adapter, not at a 256 MiB one', () => {
    const bytes = (device: CapabilityDevice) => [catalogModelBytes(comparePairs()[0]!.base, device), catalogModelBytes(comparePairs()[0]!.chat, device)];
    const schedule = (device: CapabilityDevice) => compareSchedule({ modelBytes: bytes(device), budgetBytes: memoryBudgetBytes(device), override: null }).mode;
    expect(schedule(wasm(8))).toBe('parallel');
    expect(schedule(gpu(GIB))).toBe('parallel');
    expect(schedule(gpu(256 * 2 ** 20))).toBe('sequential');
  });
});
