// The UI's view of the model store: what is stored and how large, delete one or all (through the
// store's API, under the lock downloads and loads take), the browser's storage figures, and the
// request for persistent storage (Window-only, so here and not in the worker that downloads).
import { modelBytes, storedModelBytes, type StoredModel } from '../../../workers/store/records.ts';
import { deleteAllStoredModels, deleteStoredModel, storedModels } from '../../../workers/store/store-admin.ts';

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
  const models = await storedModels();
  return models
    .map((m) => ({
      key: m.key,
      repo: m.repo,
      dtype: m.dtype,
      state: m.state,
      bytes: storedModelBytes(m),
      totalBytes: modelBytes(m),
      sourceTemplate: m.source.template,
    }))
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.dtype.localeCompare(b.dtype));
}

export { deleteAllStoredModels, deleteStoredModel };

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
