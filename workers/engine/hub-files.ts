// Fetches a model's files from a host with the hub's URL layout ({host}/{repo}/resolve/main/{file}),
// with byte progress. The store issue replaces the network with IndexedDB behind the same shape.
import { EngineError } from '../protocol/errors.ts';
import type { ModelDtype } from '../protocol/messages.ts';

export interface ModelFiles {
  config: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  fileName: string;
  model: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

export interface FileProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
}

export function fileUrl(hubUrl: string, repo: string, file: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/${repo}/resolve/main/${file}`;
}

/** model.onnx for fp32, model_<dtype>.onnx otherwise, as the onnx-community repos name them. */
export function modelFileName(dtype: ModelDtype): string {
  return dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`;
}

export async function fetchJson(hubUrl: string, repo: string, file: string): Promise<Record<string, unknown>> {
  const response = await request(fileUrl(hubUrl, repo, file), repo, file);
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    throw new EngineError('model_files_invalid', `${file} of ${repo} is not valid JSON: the repository is not a compatible model.`, { repo, file });
  }
}

/** External-data chunk names, from config.json's transformers.js_config as the hub's repos declare them. */
export function externalDataFiles(config: Record<string, unknown>, fileName: string): string[] {
  const jsConfig = config['transformers.js_config'] as { use_external_data_format?: unknown } | undefined;
  const format = jsConfig?.use_external_data_format;
  const declared = typeof format === 'object' && format !== null ? (format as Record<string, unknown>)[fileName] : format;
  const chunks = declared === true ? 1 : typeof declared === 'number' ? declared : 0;
  return Array.from({ length: chunks }, (_, i) => `${fileName}_data${i === 0 ? '' : `_${i}`}`);
}

export async function fetchModelFiles(
  source: { hubUrl: string; repo: string; dtype: ModelDtype },
  onProgress: (p: FileProgress) => void,
): Promise<ModelFiles> {
  const { hubUrl, repo, dtype } = source;
  const [config, generationConfig] = await Promise.all([
    fetchJson(hubUrl, repo, 'config.json'),
    fetchJson(hubUrl, repo, 'generation_config.json').catch(() => ({})),
  ]);
  const fileName = modelFileName(dtype);
  const model = await fetchBytes(hubUrl, repo, `onnx/${fileName}`, onProgress);
  const externalData = [];
  for (const path of externalDataFiles(config, fileName)) {
    externalData.push({ path, data: await fetchBytes(hubUrl, repo, `onnx/${path}`, onProgress) });
  }
  return { config, generationConfig, fileName, model, externalData };
}

async function fetchBytes(hubUrl: string, repo: string, file: string, onProgress: (p: FileProgress) => void): Promise<Uint8Array> {
  const response = await request(fileUrl(hubUrl, repo, file), repo, file);
  const length = Number(response.headers.get('Content-Length'));
  const bytesTotal = Number.isFinite(length) && length > 0 ? length : null;
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let bytesDone = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    bytesDone += value.byteLength;
    onProgress({ file, bytesDone, bytesTotal });
  }
  if (bytesTotal !== null && bytesDone !== bytesTotal) {
    throw new EngineError('model_fetch_failed', `The download of ${file} stopped at ${bytesDone} of ${bytesTotal} bytes. Try again.`, { repo, file });
  }
  const out = new Uint8Array(bytesDone);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

async function request(url: string, repo: string, file: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const host = new URL(url).host;
    throw new EngineError(
      'model_fetch_failed',
      `Could not reach ${host} to download ${file}. Check the connection, or use a mirror with the hub's layout (?hub=https://hf-mirror.com).`,
      { repo, file, url, cause: String(error) },
    );
  }
  if (response.status === 404) {
    throw new EngineError('model_files_invalid', `${repo} has no ${file}: check the repository id and the dtype.`, { repo, file, url });
  }
  if (!response.ok) {
    throw new EngineError('model_fetch_failed', `The model host answered ${response.status} for ${file}. Try again later or use a mirror.`, { repo, file, url, status: response.status });
  }
  return response;
}
