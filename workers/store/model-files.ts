// Which files make up a model, as the onnx-community repos lay them out: configs and tokenizer
// at the root, the graph under onnx/, external data beside it as config.json declares it.
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
