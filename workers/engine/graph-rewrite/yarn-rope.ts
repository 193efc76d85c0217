// YaRN rotary scaling for Qwen2 models: its parameters from config.json and the frequencies it
// gives (Peng et al. 2023, as HF transformers' `_compute_yarn_parameters` and vLLM compute them).
// Qwen2.5's configs leave `rope_scaling` out; Qwen documents adding
// `{type: "yarn", factor: 4.0, original_max_position_embeddings: 32768}`, the default here.
import { QWEN_YARN_FACTOR } from '../../protocol/model-size.ts';

export interface YarnRope {
  theta: number;
  headDim: number;
  factor: number;
  /** The context the model was trained for (original_max_position_embeddings). */
  originalContext: number;
  betaFast: number;
  betaSlow: number;
  /** Multiplies cos and sin (so every attention score by its square): 0.1 ln(factor) + 1 by default. */
  attentionFactor: number;
  /** originalContext x factor. */
  contextTokens: number;
}

export type YarnSupport = { supported: true; rope: YarnRope } | { supported: false; reason: string };

const KNOWN_FIELDS = new Set(['type', 'rope_type', 'factor', 'original_max_position_embeddings', 'beta_fast', 'beta_slow', 'attention_factor']);

/** YaRN for this config: its own yarn `rope_scaling`, or Qwen's recommended one when it has none. */
export function yarnFromConfig(config: Record<string, unknown>): YarnSupport {
  if (config['model_type'] !== 'qwen2') return { supported: false, reason: `YaRN is applied to Qwen2 models only (this config's model_type is ${String(config['model_type'])})` };
  const theta = config['rope_theta'];
  const hidden = config['hidden_size'];
  const heads = config['num_attention_heads'];
  const maxPositions = config['max_position_embeddings'];
  if (typeof theta !== 'number' || typeof hidden !== 'number' || typeof heads !== 'number' || typeof maxPositions !== 'number') {
    return { supported: false, reason: 'config.json lacks rope_theta, hidden_size, num_attention_heads or max_position_embeddings' };
  }
  const scaling = (config['rope_scaling'] ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(scaling).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) return { supported: false, reason: `config.json's rope_scaling has fields YaRN here does not apply: ${unknown.join(', ')}` };
  const type = scaling['type'] ?? scaling['rope_type'];
  if (type !== undefined && type !== 'yarn') return { supported: false, reason: `config.json already scales the rotary embedding (${String(type)})` };
  const number = (key: string, fallback: number): number => (typeof scaling[key] === 'number' ? (scaling[key] as number) : fallback);
  const factor = number('factor', QWEN_YARN_FACTOR);
  if (!(factor > 1)) return { supported: false, reason: `rope_scaling.factor must be above 1 (got ${factor})` };
  const originalContext = number('original_max_position_embeddings', maxPositions);
  return {
    supported: true,
    rope: {
      theta,
      headDim: typeof config['head_dim'] === 'number' ? config['head_dim'] : hidden / heads,
      factor,
      originalContext,
      betaFast: number('beta_fast', 32),
      betaSlow: number('beta_slow', 1),
      attentionFactor: number('attention_factor', 0.1 * Math.log(factor) + 1),
      contextTokens: Math.round(originalContext * factor),
    },
  };
}

/** Plain RoPE: theta^(-2i/d), i < d/2. */
export function ropeInverseFrequencies(theta: number, headDim: number): Float64Array {
  return Float64Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
}

/**
 * YaRN's frequencies: dimensions that turn more than beta_fast times over the original context
 * keep theirs, those turning less than beta_slow times are divided by the factor, and a linear
 * ramp blends the ones between.
 */
export function yarnInverseFrequencies(rope: YarnRope): Float64Array {
  const { theta, headDim, factor, originalContext, betaFast, betaSlow } = rope;
  // The dimension whose frequency turns `rotations` times over the original context.
  const dimensionFor = (rotations: number): number => (headDim * Math.log(originalContext / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  const low = Math.max(Math.floor(dimensionFor(betaFast)), 0);
  const high = Math.min(Math.ceil(dimensionFor(betaSlow)), headDim - 1);
  const span = low === high ? 0.001 : high - low;
  return ropeInverseFrequencies(theta, headDim).map((extrapolated, i) => {
    const ramp = Math.min(1, Math.max(0, (i - low) / span));
    return (extrapolated / factor) * ramp + extrapolated * (1 - ramp);
  });
}
