// The graph's contract (input names, KV type and shape, layers, position_ids), read from its
// sessions' metadata and config.json, so both export variants and the real onnx-community
// builds run unchanged.
import { EngineError } from '../protocol/errors.ts';
import { LOGITS_ROWS } from './graph-rewrite/logits-slice.ts';
import type { SessionInfo } from './pipeline.ts';

export interface GraphContract {
  layers: number;
  kvHeads: number;
  headDim: number;
  kvType: 'float32' | 'float16';
  hasPositionIds: boolean;
  /** The rewritten graph's `logits_rows` input: logits only for the positions asked for. */
  hasLogitsRows: boolean;
  vocab: number;
  heads: number;
  contextTokens: number;
  pastNames: string[];
  presentNames: string[];
}

/** `contextTokens`: the context a rewrite gave the graph (YaRN), else config.json's; `maxContext` caps it (memory). */
export function readGraphContract(session: SessionInfo, config: Record<string, unknown>, contextTokens: number | null = null, maxContext = Infinity): GraphContract {
  const layers = configNumber(config, 'num_hidden_layers');
  const pastNames = kvNames('past_key_values', layers);
  const presentNames = kvNames('present', layers);
  for (const name of ['input_ids', 'attention_mask', ...pastNames]) {
    if (!session.inputNames.includes(name)) throw notDecoder(`it has no input ${name}`);
  }
  for (const name of ['logits', ...presentNames]) {
    if (!session.outputNames.includes(name)) throw notDecoder(`it has no output ${name}`);
  }
  const past = session.inputMetadata.find((m) => m.name === pastNames[0]);
  if (!past?.isTensor || (past.type !== 'float32' && past.type !== 'float16')) throw notDecoder('its KV cache is not float32 or float16');
  const heads = configNumber(config, 'num_attention_heads');
  const dim = (i: number, fallback: number): number => (typeof past.shape[i] === 'number' ? (past.shape[i] as number) : fallback);
  return {
    layers,
    kvHeads: dim(1, configNumber(config, 'num_key_value_heads')),
    headDim: dim(3, configNumber(config, 'hidden_size') / heads),
    kvType: past.type,
    hasPositionIds: session.inputNames.includes('position_ids'),
    hasLogitsRows: session.inputNames.includes(LOGITS_ROWS),
    heads,
    vocab: configNumber(config, 'vocab_size'),
    contextTokens: Math.min(maxContext, contextTokens ?? configNumber(config, 'max_position_embeddings')),
    pastNames,
    presentNames,
  };
}

function kvNames(prefix: string, layers: number): string[] {
  return Array.from({ length: layers }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
}

export function configNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !(value > 0)) {
    throw new EngineError('model_files_invalid', `config.json has no valid ${key}: the repository is not a Qwen2-architecture model.`, { key });
  }
  return value;
}

function notDecoder(why: string): EngineError {
  return new EngineError('model_files_invalid', `The ONNX file is not a decoder export with a KV cache (${why}). Use an onnx-community Qwen2.5 build.`);
}
