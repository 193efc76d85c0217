// Creates the onnxruntime-web session on the chosen EP and reads the graph's contract (input
// names, KV type and shape, layers, position_ids) from its metadata and config.json, so both
// export variants and the real onnx-community builds run unchanged.
import { ort } from './ort-env.ts';
import { EngineError } from '../protocol/errors.ts';
import type { DeviceChoice } from './gpu-device.ts';
import type { ModelFiles } from '../store/model-reader.ts';
import { LOGITS_START } from './graph-rewrite/logits-slice.ts';

export interface GraphContract {
  layers: number;
  kvHeads: number;
  headDim: number;
  kvType: 'float32' | 'float16';
  hasPositionIds: boolean;
  /** The rewritten graph's `logits_start` input: logits only for the last positions asked for. */
  hasLogitsStart: boolean;
  vocab: number;
  heads: number;
  contextTokens: number;
  pastNames: string[];
  presentNames: string[];
}

/** A session on `files.model`, rewritten beforehand (graph-rewrite/prepare.ts). */
export async function createSession(files: ModelFiles, choice: DeviceChoice): Promise<ort.InferenceSession> {
  const layers = configNumber(files.config, 'num_hidden_layers');
  const presentNames = kvNames('present', layers);
  const options: ort.InferenceSession.SessionOptions = {
    // Our device, so the KV cache's own buffers (cropping) live on the device onnxruntime uses.
    executionProviders: [choice.gpu ? { name: 'webgpu', device: choice.gpu } : choice.device],
    graphOptimizationLevel: 'all',
    externalData: files.externalData,
  };
  // The KV cache stays on the GPU between steps; only the logits come back to the CPU.
  if (choice.device === 'webgpu') options.preferredOutputLocation = Object.fromEntries(presentNames.map((n) => [n, 'gpu-buffer' as const]));
  try {
    return await ort.InferenceSession.create(files.model, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/protobuf|parse|invalid model|load model/i.test(message)) {
      throw new EngineError('model_files_invalid', `${files.fileName} is not a valid ONNX model (damaged or incomplete download). Delete it and download again.`, { cause: message });
    }
    throw error;
  }
}

/** `contextTokens`: the context a rewrite gave the graph (YaRN), else config.json's. */
export function readGraphContract(session: ort.InferenceSession, config: Record<string, unknown>, contextTokens: number | null = null): GraphContract {
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
    hasLogitsStart: session.inputNames.includes(LOGITS_START),
    heads,
    vocab: configNumber(config, 'vocab_size'),
    contextTokens: contextTokens ?? configNumber(config, 'max_position_embeddings'),
    pastNames,
    presentNames,
  };
}

function kvNames(prefix: string, layers: number): string[] {
  return Array.from({ length: layers }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
}

function configNumber(config: Record<string, unknown>, key: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !(value > 0)) {
    throw new EngineError('model_files_invalid', `config.json has no valid ${key}: the repository is not a Qwen2-architecture model.`, { key });
  }
  return value;
}

function notDecoder(why: string): EngineError {
  return new EngineError('model_files_invalid', `The ONNX file is not a decoder export with a KV cache (${why}). Use an onnx-community Qwen2.5 build.`);
}
