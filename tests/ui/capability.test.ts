// The capability check on every catalog model, for a table of adapters and device memories. The
// expected cells are worked out by hand from the rules in capability.ts (a few shown below), not
// by calling it, so a change of rule or figure shows up here.
import { describe, expect, it } from 'vitest';
import {
  checkCapability,
  contextWindow,
  deviceProfile,
  dtypeFor,
  kvBytesPerToken,
  maxContextTokensFor,
  recommendedRepo,
  type Capability,
  type CapabilityDevice,
} from '../../src/lib/catalog/capability.ts';
import { CATALOG, catalogEntry, type CatalogModel, type ModelSize } from '../../src/lib/catalog/models.ts';
import type { GpuCapabilities } from '../../src/lib/utils/gpu-capabilities.ts';

const KIB = 1024;
const MIB = 2 ** 20;
const GIB = 2 ** 30;
const WANTED_TOKENS = 32_768;

type GpuDevice = Extract<CapabilityDevice, { webgpu: true }>;
const gpu = (bufferBytes: number, shaderF16: boolean) => (memoryGiB: number): GpuDevice => ({
  webgpu: true,
  shaderF16,
  maxBufferSizeBytes: bufferBytes,
  maxStorageBufferBindingSizeBytes: bufferBytes,
  deviceMemoryBytes: memoryGiB * GIB,
});
const wasm = (memoryGiB: number): CapabilityDevice => ({ webgpu: false, deviceMemoryBytes: memoryGiB * GIB });

const ADAPTERS = {
  'WebGPU 256 MiB, f16': gpu(256 * MIB, true),
  'WebGPU 256 MiB': gpu(256 * MIB, false),
  'WebGPU 1 GiB, f16': gpu(GIB, true),
  'WebGPU 1 GiB': gpu(GIB, false),
  'WebGPU 4 GiB, f16': gpu(4 * GIB, true),
  'WebGPU 4 GiB': gpu(4 * GIB, false),
  'no WebGPU (WASM)': wasm,
} as const;
type Adapter = keyof typeof ADAPTERS;
const MEMORY_GIB = [4, 8, 16] as const;

/*
 * Cells for 4, 8 and 16 GiB of device memory. Worked examples:
 * - 0.5B, WebGPU 256 MiB, f16: budget min(4 × 256 MiB, 0.75 × 4 GiB) = 1 GiB; KV 12 KiB a token,
 *   two copies: (1,073,741,824 − 483e6) / 24,576 = 24,037 → 23,552.
 * - 0.5B, WASM, 4 GiB: budget 2 GiB; float32 KV 24 KiB, three copies:
 *   (2,147,483,648 − 786e6) / 73,728 = 18,466 → 18,432.
 * - 1.5B, WASM, 4 GiB: (2 GiB − 1.79e9) / (3 × 56 KiB) = 2,078 → 2,048, the shortest offered.
 * - 3B, WebGPU 1 GiB, f16, 4 GiB: one stage of 2.37e9 bytes passes the page's 2 GiB → loading.
 * - 3B, WebGPU 1 GiB (q4), 4 GiB: budget 3 GiB; the weights (3.21e9) leave 0.01 GiB → context.
 * - 7B, WebGPU 4 GiB, f16, 8 GiB: budget 6 GiB; (6,442,450,944 − 5.08e9) / (2 × 56 KiB) = 11,877 → 11,264.
 * - 7B, WebGPU 4 GiB (q4), 16 GiB: budget 12 GiB; (12 GiB − 6.63e9) / (2 × 112 KiB) = 27,2xx → 26,624.
 * - 7B, WASM, 16 GiB: budget 8 GiB; (8 GiB − 6.63e9) / (3 × 112 KiB) = 5,836 → 5,120.
 */
const EXPECTED: Record<ModelSize, Record<Adapter, readonly [string, string, string]>> = {
  '0.5B': {
    'WebGPU 256 MiB, f16': ['shorter 23552', 'shorter 23552', 'shorter 23552'],
    'WebGPU 256 MiB': ['shorter 5120', 'shorter 5120', 'shorter 5120'],
    'WebGPU 1 GiB, f16': ['fits 32768', 'fits 32768', 'fits 32768'],
    'WebGPU 1 GiB': ['fits 32768', 'fits 32768', 'fits 32768'],
    'WebGPU 4 GiB, f16': ['fits 32768', 'fits 32768', 'fits 32768'],
    'WebGPU 4 GiB': ['fits 32768', 'fits 32768', 'fits 32768'],
    'no WebGPU (WASM)': ['shorter 18432', 'fits 32768', 'fits 32768'],
  },
  '1.5B': {
    'WebGPU 256 MiB, f16': ['no weights', 'no weights', 'no weights'],
    'WebGPU 256 MiB': ['no weights', 'no weights', 'no weights'],
    'WebGPU 1 GiB, f16': ['fits 32768', 'fits 32768', 'fits 32768'],
    'WebGPU 1 GiB': ['shorter 12288', 'shorter 21504', 'shorter 21504'],
    'WebGPU 4 GiB, f16': ['fits 32768', 'fits 32768', 'fits 32768'],
    'WebGPU 4 GiB': ['shorter 12288', 'fits 32768', 'fits 32768'],
    'no WebGPU (WASM)': ['shorter 2048', 'shorter 14336', 'shorter 21504'],
  },
  '3B': {
    'WebGPU 256 MiB, f16': ['no weights', 'no weights', 'no weights'],
    'WebGPU 256 MiB': ['no weights', 'no weights', 'no weights'],
    'WebGPU 1 GiB, f16': ['no loading', 'shorter 25600', 'shorter 25600'],
    'WebGPU 1 GiB': ['no context', 'shorter 7168', 'shorter 7168'],
    'WebGPU 4 GiB, f16': ['no loading', 'fits 32768', 'fits 32768'],
    'WebGPU 4 GiB': ['no context', 'shorter 21504', 'fits 32768'],
    'no WebGPU (WASM)': ['no weights', 'shorter 4096', 'shorter 23552'],
  },
  '7B': {
    'WebGPU 256 MiB, f16': ['no weights', 'no weights', 'no weights'],
    'WebGPU 256 MiB': ['no weights', 'no weights', 'no weights'],
    'WebGPU 1 GiB, f16': ['no weights', 'no weights', 'no weights'],
    'WebGPU 1 GiB': ['no weights', 'no weights', 'no weights'],
    'WebGPU 4 GiB, f16': ['no weights', 'shorter 11264', 'fits 32768'],
    'WebGPU 4 GiB': ['no weights', 'no weights', 'shorter 26624'],
    'no WebGPU (WASM)': ['no weights', 'no weights', 'shorter 5120'],
  },
};

/** Stages per dtype: ceil(weights / 2.25 GiB); 3B q4 is 2.99 GiB, 7B q4f16 4.73 GiB and q4 6.17 GiB. */
const STAGES: Record<ModelSize, { q4: number; q4f16: number }> = {
  '0.5B': { q4: 1, q4f16: 1 },
  '1.5B': { q4: 1, q4f16: 1 },
  '3B': { q4: 2, q4f16: 1 },
  '7B': { q4: 3, q4f16: 3 },
};

function cell(check: Capability): string {
  return check.verdict === 'no' ? `no ${check.reason}` : `${check.verdict} ${check.contextTokens}`;
}

/**
 * The table's models: each size's architecture with onnx-community's q4/q4f16 layout sizes (the
 * 0.5B and 1.5B as listed, 3B and 7B estimated the same way), so the cells test the rules on
 * figures worked out by hand. Qwen's own releases, converted here, are checked below.
 */
const LAYOUT_BYTES: Record<ModelSize, Record<'q4' | 'q4f16', number>> = {
  '0.5B': { q4f16: 483e6, q4: 786e6 },
  '1.5B': { q4f16: 1.22e9, q4: 1.79e9 },
  '3B': { q4f16: 2.37e9, q4: 3.21e9 },
  '7B': { q4f16: 5.08e9, q4: 6.63e9 },
};
const SIZES = Object.keys(LAYOUT_BYTES) as ModelSize[];
function sized(size: ModelSize): CatalogModel {
  const official = CATALOG.find((m) => m.size === size && m.family === 'instruct' && m.release === 'bf16')!;
  return { ...official, repo: `layout/${size}`, downloadBytes: LAYOUT_BYTES[size], modelBytes: LAYOUT_BYTES[size] };
}
const model = (repo: string): CatalogModel => sized(/Qwen2\.5-([\d.]+B)-Instruct/.exec(repo)![1] as ModelSize);

describe('checkCapability', () => {
  it('answers every cell of the table for each size', () => {
    for (const entry of SIZES.map(sized)) {
      for (const [adapter, device] of Object.entries(ADAPTERS) as [Adapter, (memoryGiB: number) => CapabilityDevice][]) {
        MEMORY_GIB.forEach((memoryGiB, i) => {
          const check = checkCapability(entry, device(memoryGiB), WANTED_TOKENS);
          const where = `${entry.repo}, ${adapter}, ${memoryGiB} GiB`;
          expect(cell(check), where).toBe(EXPECTED[entry.size][adapter][i]);
          expect(check.dtype, where).toBe(adapter.endsWith('f16') ? 'q4f16' : 'q4');
          expect(check.stages, where).toBe(STAGES[entry.size][check.dtype]);
        });
      }
    }
    const rows = SIZES.flatMap((size) => {
      const entry = sized(size);
      return (Object.keys(ADAPTERS) as Adapter[]).map((adapter) => {
        const cells = MEMORY_GIB.map((memoryGiB) => {
          const check = checkCapability(entry, ADAPTERS[adapter](memoryGiB), WANTED_TOKENS);
          return `${cell(check)} (${check.dtype}, ${check.stages} st.)`;
        });
        return `| ${size} | ${adapter} | ${cells.join(' | ')} |`;
      });
    });
    console.log(['[figures] capability check, wanted context 32,768', '| model | adapter | 4 GiB | 8 GiB | 16 GiB |', '| --- | --- | --- | --- | --- |', ...rows].join('\n'));
  });

  it('gives the memory it counted, and the numbers behind a no', () => {
    // 483e6 + 2 copies × 12 KiB × 32,768.
    expect(checkCapability(model('Qwen2.5-0.5B-Instruct'), ADAPTERS['WebGPU 1 GiB, f16'](8))).toEqual({
      verdict: 'fits',
      contextTokens: 32_768,
      dtype: 'q4f16',
      stages: 1,
      memoryBytes: 483e6 + 2 * 12 * KIB * 32_768,
    });
    expect(checkCapability(model('Qwen2.5-7B-Instruct'), ADAPTERS['WebGPU 4 GiB, f16'](8))).toMatchObject({ verdict: 'shorter', contextTokens: 11_264, memoryBytes: 5.08e9 + 2 * 56 * KIB * 11_264 });
    expect(checkCapability(model('Qwen2.5-7B-Instruct'), wasm(8))).toEqual({ verdict: 'no', reason: 'weights', contextTokens: 2048, neededBytes: 6.63e9, availableBytes: 4 * GIB, dtype: 'q4', stages: 3 });
    expect(checkCapability(model('Qwen2.5-3B-Instruct'), ADAPTERS['WebGPU 1 GiB'](4))).toMatchObject({ reason: 'context', neededBytes: 3.21e9 + 2 * 72 * KIB * 2048, availableBytes: 3 * GIB });
    expect(checkCapability(model('Qwen2.5-3B-Instruct'), ADAPTERS['WebGPU 1 GiB, f16'](4))).toMatchObject({ reason: 'loading', neededBytes: 2.37e9, availableBytes: 2 * GIB });
  });

  it('never offers more than the wanted context or the model’s window (four times as long with YaRN)', () => {
    const small = model('Qwen2.5-0.5B-Instruct');
    expect(checkCapability(model('Qwen2.5-1.5B-Instruct'), ADAPTERS['WebGPU 1 GiB'](8), 8192)).toMatchObject({ verdict: 'fits', contextTokens: 8192 });
    expect(checkCapability(small, ADAPTERS['WebGPU 1 GiB, f16'](8))).toMatchObject({ verdict: 'fits', contextTokens: 32_768 });
    expect(contextWindow(small, false)).toBe(32_768);
    expect(contextWindow(small, true)).toBe(131_072);
    // YaRN's window: 12 KiB of fp16 KV a token, two copies, 3 GiB at 131,072 tokens, within 4 GiB of buffers.
    expect(checkCapability(small, ADAPTERS['WebGPU 1 GiB, f16'](8), contextWindow(small, true))).toMatchObject({ verdict: 'fits', contextTokens: 131_072 });
    expect(checkCapability(small, ADAPTERS['WebGPU 1 GiB, f16'](8), 1_000_000)).toMatchObject({ contextTokens: 131_072 });
    // On 4 GiB of memory it gets a shorter one: the load then asks for YaRN with maxContextTokens.
    expect(checkCapability(small, ADAPTERS['WebGPU 1 GiB, f16'](4), contextWindow(small, true))).toMatchObject({ verdict: 'shorter' });
  });

  it('bounds the context by one layer’s K tensor against the storage binding limit', () => {
    const small = model('Qwen2.5-0.5B-Instruct');
    const binding = (bytes: number): CapabilityDevice => ({ ...gpu(GIB, true)(8), maxStorageBufferBindingSizeBytes: bytes });
    // 2 kv heads × 64 × 2 bytes = 256 bytes a token.
    expect(checkCapability(small, binding(4 * MIB))).toMatchObject({ verdict: 'shorter', contextTokens: 16_384 });
    expect(checkCapability(small, binding(256 * KIB))).toEqual({ verdict: 'no', reason: 'buffer', contextTokens: 2048, neededBytes: 256 * 2048, availableBytes: 256 * KIB, dtype: 'q4f16', stages: 1 });
    // A wanted context below the shortest offered fits as it is.
    expect(checkCapability(small, binding(256 * KIB), 1000)).toMatchObject({ verdict: 'fits', contextTokens: 1000 });
  });

  it('bounds each WASM stage by its 4 GiB heap', () => {
    // 448 layers: 1.75 MiB of float32 KV a token; each of 3 stages holds 6.63e9 / 3 and two copies of a third of the KV.
    const seven = model('Qwen2.5-7B-Instruct');
    const deep: CatalogModel = { ...seven, architecture: { ...seven.architecture, layers: 448 } };
    const check = checkCapability(deep, wasm(1024));
    expect(check).toMatchObject({ verdict: 'no', reason: 'heap', stages: 3, availableBytes: 4 * GIB });
    expect(check.verdict === 'no' ? check.neededBytes : 0).toBeCloseTo(6.63e9 / 3 + (2 * 1792 * KIB * 2048) / 3, 0);
  });
});

describe("Qwen's releases, sized as converted", () => {
  it('checks the model the converter builds, not the download', () => {
    const gptq = catalogEntry('Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4')!;
    // Embedding 152,064 × 3,584 × 2; per layer 233,046,016 weights / 2 + 3,641,344 bytes of fp16
    // scales (groups of 128) + 23,552 of norms and biases, × 28; the lm_head at 4 bits in blocks
    // of 32 (306,561,024); the final norm; rotary 32,768 × 128 × 2.
    expect(gptq.modelBytes.q4f16).toBe(1_089_994_752 + 28 * (116_523_008 + 3_641_344 + 23_552) + 306_561_024 + 7168 + 8_388_608);
    // Budget 6 GiB: (6,442,450,944 − 4,770,212,864) / (2 × 56 KiB) = 14,580 → 14,336, in 2 stages.
    expect(checkCapability(gptq, ADAPTERS['WebGPU 4 GiB, f16'](8))).toMatchObject({ verdict: 'shorter', contextTokens: 14_336, stages: 2 });
    // The download (the checkpoint) is not what runs.
    expect(gptq.downloadBytes.q4f16).not.toBe(gptq.modelBytes.q4f16);
  });
});

describe('maxContextTokensFor', () => {
  it('asks the load for the shorter context, the shortest after a no, nothing when the model fits', () => {
    const seven = model('Qwen2.5-7B-Instruct');
    expect(maxContextTokensFor(checkCapability(seven, ADAPTERS['WebGPU 4 GiB, f16'](16)))).toBeUndefined();
    expect(maxContextTokensFor(checkCapability(seven, ADAPTERS['WebGPU 4 GiB, f16'](8)))).toBe(11_264);
    expect(maxContextTokensFor(checkCapability(seven, wasm(8)))).toBe(2048);
  });
});

describe('the device and the dtype', () => {
  const caps = (shaderF16: boolean): GpuCapabilities => ({
    webgpu: true,
    crossOriginIsolated: true,
    adapter: { vendor: 'v', architecture: 'a', description: '', shaderF16, maxBufferSizeBytes: 2 * GIB, maxStorageBufferBindingSizeBytes: GIB },
  });

  it('takes the adapter unless WASM was chosen, and assumes 4 GiB when the browser does not say', () => {
    expect(deviceProfile(caps(true), true, 8)).toEqual({ webgpu: true, shaderF16: true, maxBufferSizeBytes: 2 * GIB, maxStorageBufferBindingSizeBytes: GIB, deviceMemoryBytes: 8 * GIB });
    expect(deviceProfile(caps(true), false, 8)).toEqual({ webgpu: false, deviceMemoryBytes: 8 * GIB });
    expect(deviceProfile(null, true, undefined)).toEqual({ webgpu: false, deviceMemoryBytes: 4 * GIB });
    expect(deviceProfile({ webgpu: false, reason: 'no-adapter', crossOriginIsolated: true }, true, 0.5)).toEqual({ webgpu: false, deviceMemoryBytes: GIB / 2 });
  });

  it('picks q4f16 only with shader-f16, and counts its KV cache at half the q4 one', () => {
    expect(dtypeFor(deviceProfile(caps(true), true, 8))).toBe('q4f16');
    expect(dtypeFor(deviceProfile(caps(false), true, 8))).toBe('q4');
    expect(dtypeFor(deviceProfile(caps(true), false, 8))).toBe('q4');
    // The fp16 figures of the Qwen2.5 architecture table: 12, 28, 36 and 56 KiB a token.
    const perToken = ['0.5B', '1.5B', '3B', '7B'].map((size) => kvBytesPerToken(model(`Qwen2.5-${size}-Instruct`), 'q4f16') / KIB);
    expect(perToken).toEqual([12, 28, 36, 56]);
    expect(kvBytesPerToken(model('Qwen2.5-7B-Instruct'), 'q4')).toBe(112 * KIB);
  });
});

describe('recommendedRepo', () => {
  it("recommends the largest of Qwen's GPTQ-Int4 instruct models that fits with its whole context", () => {
    const gptq = (size: string): string => `Qwen/Qwen2.5-${size}-Instruct-GPTQ-Int4`;
    expect(recommendedRepo(ADAPTERS['WebGPU 4 GiB, f16'](16))).toBe(gptq('7B'));
    expect(recommendedRepo(ADAPTERS['WebGPU 4 GiB, f16'](8))).toBe(gptq('3B'));
    expect(recommendedRepo(ADAPTERS['WebGPU 1 GiB, f16'](8))).toBe(gptq('1.5B'));
    expect(recommendedRepo(ADAPTERS['WebGPU 256 MiB, f16'](8))).toBe(gptq('0.5B'));
    // The 1.5B's whole window needs 2 × 56 KiB × 32,768 of float32 KV in one 4 GiB WASM heap beside its weights.
    expect(recommendedRepo(wasm(16))).toBe(gptq('0.5B'));
    expect(recommendedRepo(wasm(4))).toBe(gptq('0.5B'));
  });
});
