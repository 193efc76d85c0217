// The store as the UI manages it: list the stored models, delete one or all. Deletes go through
// the model's lock (model-lock.ts) like downloads and loads: a running download is told to stop
// and then its model is deleted, a load in progress is waited for, and nothing comes back.
import { chunkModelKeys, deleteModel, getModel, listModels } from './idb.ts';
import { announceDeletion, withModelLock } from './model-lock.ts';
import type { StoredModel } from './records.ts';

export function storedModels(): Promise<StoredModel[]> {
  return listModels();
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
