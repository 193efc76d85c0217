// The GPU bench's sizes, from environment variables, with defaults by adapter: the real shapes at
// 256 and 4K tokens of context on a GPU; on a CPU rasterizer (SwiftShader: about a second per
// token with the full vocabulary) the tiny shape only, a run of about 6 minutes on 2 cores.
import { SIZES, type SizeName } from '../../forge/model-shape.ts';

export interface GpuBenchSettings {
  sizes: SizeName[];
  /** Prompt tokens: each run prefills this many, then decodes `decodeTokens` at that context. */
  contexts: number[];
  decodeTokens: number;
  /** Runs of each context per contender, interleaved; the fastest is kept (a GPU's clocks vary). */
  tries: number;
}

export const SETTINGS_HELP = `environment (defaults on a GPU; on a CPU rasterizer in brackets): GPU_BENCH_ADAPTER=swiftshader|gpu
  GPU_BENCH_SIZES=0.5B,1.5B (tiny)  GPU_BENCH_CONTEXTS=256,4096  GPU_BENCH_DECODE_TOKENS=16 (4)  GPU_BENCH_TRIES=3 (1)`;

function env(name: string): string[] | null {
  const raw = process.env[name]?.trim();
  return raw ? raw.split(',').map((v) => v.trim()) : null;
}

function counts(name: string, fallback: number[]): number[] {
  const values = env(name)?.map(Number) ?? fallback;
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a comma list of positive integers`);
  return values;
}

export function gpuBenchSettings(software: boolean): GpuBenchSettings {
  const sizes = env('GPU_BENCH_SIZES') ?? (software ? ['tiny'] : ['0.5B', '1.5B']);
  const unknown = sizes.filter((s) => !(SIZES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`GPU_BENCH_SIZES: unknown size ${unknown.join(', ')} (${SIZES.join(', ')})`);
  return {
    sizes: sizes as SizeName[],
    contexts: counts('GPU_BENCH_CONTEXTS', [256, 4096]),
    decodeTokens: counts('GPU_BENCH_DECODE_TOKENS', [software ? 4 : 16])[0]!,
    tries: counts('GPU_BENCH_TRIES', [software ? 1 : 3])[0]!,
  };
}
