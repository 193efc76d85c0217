// The engine bench's sizes, from environment variables (comma lists of token counts), with
// defaults that keep a run on a 2-core CPU-only machine to about a quarter of an hour.
import { availableParallelism } from 'node:os';

export interface BenchSettings {
  /** Prompt tokens of the prefill runs on the 0.5B-shape model; the largest is also run without the logits rewrite. */
  prefill: number[];
  /** Context tokens before the decode runs, on the 0.5B-shape model and on the tiny one. */
  decode: number[];
  decodeTiny: number[];
  /** Tokens generated per decode run. */
  decodeTokens: number;
  chatTurns: number;
  /** Times the whole chat is run, each from a fresh cache; each turn keeps its fastest. */
  chatRounds: number;
  /** Tokens each chat turn adds (the previous answer, the user's message, the template). */
  chatTurnTokens: number;
  /** Tries of the largest prefill with and without the logits rewrite (the fastest of each is kept). */
  rewriteTries: number;
  /** Also time the engine and transformers.js on WebGPU (SwiftShader here: tiny model, small sizes). */
  webgpu: boolean;
  /** onnxruntime-web's thread count in a cross-origin-isolated page (ort-env.ts), given to onnxruntime-node too. */
  threads: number;
}

function list(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a comma list of positive integers (got ${raw})`);
  return values;
}

function count(name: string, fallback: number): number {
  const [value] = list(name, [fallback]);
  return value!;
}

export function benchSettings(): BenchSettings {
  return {
    prefill: list('BENCH_PREFILL', [512, 4096]),
    decode: list('BENCH_DECODE', [128, 2048]),
    decodeTiny: list('BENCH_DECODE_TINY', [8192]),
    decodeTokens: count('BENCH_DECODE_TOKENS', 8),
    chatTurns: count('BENCH_CHAT_TURNS', 6),
    chatRounds: count('BENCH_CHAT_ROUNDS', 3),
    chatTurnTokens: count('BENCH_CHAT_TOKENS', 64),
    rewriteTries: count('BENCH_REWRITE_TRIES', 2),
    webgpu: process.env['BENCH_WEBGPU'] === '1',
    threads: Math.min(4, availableParallelism()),
  };
}

export const SETTINGS_HELP = `environment: BENCH_PREFILL=512,4096  BENCH_DECODE=128,2048  BENCH_DECODE_TINY=8192
  BENCH_DECODE_TOKENS=8  BENCH_CHAT_TURNS=6  BENCH_CHAT_ROUNDS=3  BENCH_CHAT_TOKENS=64  BENCH_REWRITE_TRIES=2
  BENCH_WEBGPU=1 (adds WebGPU rows on the tiny model)`;
