// Where model files come from. A source is a URL template with {repo} and {file}: the hub's
// layout for Hugging Face and its mirrors, ModelScope's own scheme for the same repos, and a
// plain folder layout for files served beside the app (intranet deployments).

export type SourceId = 'huggingface' | 'hf-mirror' | 'modelscope' | 'same-origin' | 'custom';

export interface ModelSource {
  id: SourceId;
  /** e.g. https://huggingface.co/{repo}/resolve/main/{file} */
  template: string;
}

export interface SourcePreset {
  id: Exclude<SourceId, 'custom'>;
  label: { en: string; zh: string };
  template: string;
}

export const SOURCE_PRESETS: readonly SourcePreset[] = [
  { id: 'huggingface', label: { en: 'Hugging Face', zh: 'Hugging Face（默认）' }, template: 'https://huggingface.co/{repo}/resolve/main/{file}' },
  { id: 'hf-mirror', label: { en: 'hf-mirror.com (mirror for mainland China)', zh: 'hf-mirror.com 镜像（中国大陆）' }, template: 'https://hf-mirror.com/{repo}/resolve/main/{file}' },
  { id: 'modelscope', label: { en: 'ModelScope', zh: '魔搭社区 ModelScope' }, template: 'https://modelscope.cn/models/{repo}/resolve/master/{file}' },
  // Files copied beside the app: public/models/<org>/<name>/{config.json, onnx/...}
  { id: 'same-origin', label: { en: 'This site (/models/)', zh: '本站（/models/）' }, template: '/models/{repo}/{file}' },
];

export const DEFAULT_SOURCE: ModelSource = sourceFromPreset('huggingface');

export function sourceFromPreset(id: SourcePreset['id']): ModelSource {
  const preset = SOURCE_PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`unknown model source ${id}`);
  return { id: preset.id, template: preset.template };
}

/** A custom base URL: a full template when it has {file}, else a host with the hub's layout
 * (what `?hub=` has always meant). Throws a message for the settings form when it is unusable. */
export function customSource(input: string): ModelSource {
  const text = input.trim();
  if (text === '') throw new Error('Enter a base URL, e.g. https://hf-mirror.com or /models/{repo}/{file}.');
  const template = text.includes('{file}') ? text : `${text.replace(/\/+$/, '')}/{repo}/resolve/main/{file}`;
  if (!template.includes('{repo}')) throw new Error('A URL template needs both {repo} and {file}.');
  const probe = template.replace('{repo}', 'org/name').replace('{file}', 'config.json');
  if (!probe.startsWith('/')) {
    let url: URL;
    try {
      url = new URL(probe);
    } catch {
      throw new Error(`${text} is not a URL. Use https://host or a path starting with /.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('Only http(s) model hosts are supported.');
  }
  return { id: 'custom', template };
}

/** The file's URL; a path template resolves against `origin` (the app's own origin). */
export function fileUrl(source: ModelSource, repo: string, file: string, origin: string): string {
  const path = source.template.replace('{repo}', repo.split('/').map(encodeURIComponent).join('/')).replace('{file}', file.split('/').map(encodeURIComponent).join('/'));
  return new URL(path, origin).href;
}

/**
 * Where the hub publishes the file's LFS pointer (its SHA-256 and size): `/raw/main/` beside
 * `/resolve/main/`, on Hugging Face, hf-mirror.com and custom hosts with the hub's layout. Null
 * where no pointer is known: ModelScope (its listing's format is not confirmed here) and plain
 * folders (same-origin, custom templates).
 */
export function pointerUrl(source: ModelSource, repo: string, file: string, origin: string): string | null {
  const resolve = '/resolve/main/{file}';
  if (!source.template.endsWith(resolve)) return null;
  return fileUrl({ ...source, template: `${source.template.slice(0, -resolve.length)}/raw/main/{file}` }, repo, file, origin);
}

/** The host name to put in messages ("could not reach hf-mirror.com"). */
export function sourceHost(source: ModelSource, origin: string): string {
  return new URL(fileUrl(source, 'org/name', 'f', origin)).host;
}
