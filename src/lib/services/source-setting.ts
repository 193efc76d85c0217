// The model source setting (Hugging Face, a mirror, ModelScope, this site, a custom URL), kept
// in this browser's localStorage.
import { DEFAULT_SOURCE, type ModelSource } from '../../../workers/protocol/model-source.ts';

const KEY = 'qwen-local.model-source';

export function loadSourceSetting(): ModelSource {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as ModelSource | null;
    if (saved && typeof saved.template === 'string' && typeof saved.id === 'string') return saved;
  } catch {
    // a damaged setting falls back to the default
  }
  return DEFAULT_SOURCE;
}

export function saveSourceSetting(source: ModelSource): void {
  localStorage.setItem(KEY, JSON.stringify(source));
}
