// The hub's repository layout: `<org>/<name>/resolve/main/{config.json, generation_config.json,
// tokenizer.json, tokenizer_config.json, onnx/<model file>}`, with the hub's file names per dtype.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, loadConfig, readJson, type SizeName } from './model-shape.ts';
import type { Dtype, Variant } from './graph-common.ts';

export type Kind = 'instruct' | 'base';

/** model.onnx for fp32, model_<dtype>.onnx otherwise, as transformers.js names them. */
export function modelFileName(dtype: Dtype): string {
  return dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`;
}

/** onnx-community's names for the real sizes; a separate org for the test-only tiny model. */
export function defaultRepo(size: SizeName, variant: Variant, kind: Kind): string {
  const org = size === 'tiny' ? 'qwen-local-forge' : 'onnx-community';
  const label = size === 'tiny' ? 'Tiny' : size;
  return `${org}/Qwen2.5-${label}${kind === 'instruct' ? '-Instruct' : ''}${variant === 'gqa' ? '-ONNX-GQA' : ''}`;
}

export function repoDir(out: string, repo: string): string {
  return join(out, ...repo.split('/'), 'resolve', 'main');
}

/**
 * Writes the configs and tokenizer files. For an ONNX repo, config.json records how many
 * external-data chunks each model file has (0: none), keeping what other dtypes in the same
 * repo recorded; a safetensors repo (`model` null) gets `extra` fields (torch_dtype, quantization_config).
 */
export function writeRepoFiles(dir: string, size: SizeName, kind: Kind, model: { file: string; chunks: number } | null, extra: Record<string, unknown> = {}): void {
  const config: Record<string, unknown> = { ...loadConfig(size), ...extra };
  const configPath = join(dir, 'config.json');
  if (model) {
    const previous = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
    const jsConfig = { ...(previous['transformers.js_config'] as Record<string, unknown> | undefined) };
    const externalFormat = { ...(jsConfig['use_external_data_format'] as Record<string, number> | undefined) };
    if (model.chunks > 0) externalFormat[model.file] = model.chunks;
    else delete externalFormat[model.file];
    if (Object.keys(externalFormat).length > 0) jsConfig['use_external_data_format'] = sortKeys(externalFormat);
    else delete jsConfig['use_external_data_format'];
    if (Object.keys(jsConfig).length > 0) config['transformers.js_config'] = jsConfig;
  }
  writeJson(configPath, config);
  writeJson(join(dir, 'generation_config.json'), readJson(`generation_config.${kind}.json`));
  copyFileSync(join(DATA_DIR, `tokenizer_config.${kind}.json`), join(dir, 'tokenizer_config.json'));
  copyFileSync(join(DATA_DIR, 'tokenizer.json'), join(dir, 'tokenizer.json'));
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
