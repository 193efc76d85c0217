// Which files make up a model: as the onnx-community repos lay them out (configs and tokenizer at
// the root, the graph under onnx/, external data beside it as config.json declares it), or as
// Qwen's own releases do (model.safetensors, or shards named by model.safetensors.index.json).
import { EngineError } from '../protocol/errors.ts';
import type { ModelDtype } from '../protocol/messages.ts';

/** Small JSON files, fetched whole; generation_config.json may be missing. */
export const METADATA_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
export const OPTIONAL_FILES: readonly string[] = ['generation_config.json'];

/** model.onnx for fp32, model_<dtype>.onnx otherwise. */
export function modelFileName(dtype: ModelDtype): string {
  return dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`;
}

/** External-data files from config.json's transformers.js_config (`true` is one file, N is N chunks). */
function externalDataFiles(config: Record<string, unknown>, fileName: string): string[] {
  const jsConfig = config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined;
  const format = jsConfig?.use_external_data_format;
  const declared = typeof format === 'object' && format !== null ? (format as Record<string, unknown>)[fileName] : format;
  const chunks = declared === true ? 1 : typeof declared === 'number' ? declared : 0;
  return Array.from({ length: chunks }, (_, i) => `${fileName}_data${i === 0 ? '' : `_${i}`}`);
}

/** The weight files of a dtype, in download order: the graph, then its external data. */
export function weightFiles(config: Record<string, unknown>, dtype: ModelDtype): string[] {
  const fileName = modelFileName(dtype);
  return [`onnx/${fileName}`, ...externalDataFiles(config, fileName).map((f) => `onnx/${f}`)];
}

/** A sharded checkpoint's index; a single-file checkpoint has none (the hub answers 404). */
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
export const SAFETENSORS_SINGLE = 'model.safetensors';

/** The checkpoint's files: the shards the index names, in order of first mention, else the one file. */
export function checkpointFiles(index: Record<string, unknown> | null): string[] {
  if (!index) return [SAFETENSORS_SINGLE];
  const map = index['weight_map'];
  if (typeof map !== 'object' || map === null) throw new EngineError('model_files_invalid', `${SAFETENSORS_INDEX} has no weight_map: the repository's checkpoint index is damaged.`, { file: SAFETENSORS_INDEX });
  const files = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = files.find((f) => typeof f !== 'string' || !/^[\w.-]+\.safetensors$/.test(f));
  if (bad !== undefined) throw new EngineError('model_files_invalid', `${SAFETENSORS_INDEX} names ${String(bad)}, which is not a safetensors shard.`, { file: SAFETENSORS_INDEX });
  return files as string[];
}
