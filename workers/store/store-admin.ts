// The store as the UI manages it (through the engine worker): list the stored models, delete one or all. Deletes go through
// the model's lock (model-lock.ts) like downloads and loads: a running download is told to stop
// and then its model is deleted, a load in progress is waited for, and nothing comes back.
import type { StoredModelSummary } from '../protocol/messages.ts';
import { chunkModelKeys, deleteModel, getModel, listModels } from './idb.ts';
import { announceDeletion, withModelLock } from './model-lock.ts';
import { modelBytes, storedModelBytes } from './records.ts';

/** Every stored model with its size, by repo and dtype. */
export async function storedModelSummaries(): Promise<StoredModelSummary[]> {
  const models = await listModels();
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

export async function deleteStoredModel(key: string): Promise<void> {
  announceDeletion(key);
  await withModelLock(key, () => deleteModel(key));
}

/** Every model, and chunks left without a record by older versions of the app. */
export async function deleteAllStoredModels(): Promise<void> {
  for (const model of await listModels()) await deleteStoredModel(model.key);
  for (const key of await chunkModelKeys()) {
    await withModelLock(key, async () => {
      if (!(await getModel(key))) await deleteModel(key);
    });
  }
}
