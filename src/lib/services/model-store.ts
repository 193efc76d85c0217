// The UI's view of the model store: what is stored and how large, delete one or all, the
// browser's storage figures, and the request for persistent storage (Window-only, so here and
// not in the worker that downloads).
import { deleteModel, listModels } from '../../../workers/store/idb.ts';
import { modelBytes, storedBytes, type StoredModel } from '../../../workers/store/records.ts';

export interface StoredModelSummary {
  key: string;
  repo: string;
  dtype: StoredModel['dtype'];
  state: StoredModel['state'];
  /** Bytes stored, and the model's full size. */
  bytes: number;
  totalBytes: number;
  sourceTemplate: string;
}

export interface StorageFigures {
  usage: number | null;
  quota: number | null;
  persisted: boolean;
}

export async function listStoredModels(): Promise<StoredModelSummary[]> {
  const models = await listModels();
  return models
    .map((m) => ({
      key: m.key,
      repo: m.repo,
      dtype: m.dtype,
      state: m.state,
      bytes: m.files.reduce((sum, f) => sum + (f.complete ? f.size : storedBytes(f, m.chunkBytes)), 0),
      totalBytes: modelBytes(m),
      sourceTemplate: m.source.template,
    }))
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.dtype.localeCompare(b.dtype));
}

export function deleteStoredModel(key: string): Promise<void> {
  return deleteModel(key);
}

export async function deleteAllStoredModels(): Promise<void> {
  for (const model of await listModels()) await deleteModel(model.key);
}

/** Asks the browser not to evict the models under storage pressure; false when it declines. */
export async function requestPersistentStorage(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}

export async function storageFigures(): Promise<StorageFigures> {
  const estimate = (await navigator.storage?.estimate?.()) ?? {};
  const persisted = (await navigator.storage?.persisted?.()) ?? false;
  return { usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted };
}
