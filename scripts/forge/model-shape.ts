// Architecture of each forge size: the real Qwen2.5 configs (copied from the release) and
// `tiny`, a small model with the real 151,936-token vocabulary for tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SIZES = ['tiny', '0.5B', '1.5B', '3B', '7B'] as const;
export type SizeName = (typeof SIZES)[number];

/** The fields of a Qwen2 `config.json` the forge reads or writes. */
export interface Qwen2Config {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  intermediate_size: number;
  vocab_size: number;
  tie_word_embeddings: boolean;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  [key: string]: unknown;
}

export interface ModelShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  tied: boolean;
  maxPositions: number;
  ropeTheta: number;
  rmsEps: number;
}

export const DATA_DIR = fileURLToPath(new URL('./qwen2.5/', import.meta.url));

const TINY_OVERRIDES = {
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 512,
  max_window_layers: 4,
} as const;

export function readJson<T>(fileName: string): T {
  return JSON.parse(readFileSync(DATA_DIR + fileName, 'utf8')) as T;
}

export function loadConfig(size: SizeName): Qwen2Config {
  if (size === 'tiny') return { ...readJson<Qwen2Config>('config.0.5B.json'), ...TINY_OVERRIDES };
  return readJson<Qwen2Config>(`config.${size}.json`);
}

export function shapeOf(config: Qwen2Config): ModelShape {
  const headDim = config.hidden_size / config.num_attention_heads;
  if (!Number.isInteger(headDim)) throw new Error('hidden_size must be a multiple of num_attention_heads');
  return {
    hidden: config.hidden_size,
    layers: config.num_hidden_layers,
    heads: config.num_attention_heads,
    kvHeads: config.num_key_value_heads,
    headDim,
    intermediate: config.intermediate_size,
    vocab: config.vocab_size,
    tied: config.tie_word_embeddings,
    maxPositions: config.max_position_embeddings,
    ropeTheta: config.rope_theta,
    rmsEps: config.rms_norm_eps,
  };
}
