// The IndexedDB layout, through idb-keyval: one database of model records keyed by
// "repo|dtype", one of chunk Blobs keyed by [modelKey, path, index]. Chunks are bounded
// (tens of MB) so no multi-GB value ever sits in memory; Chrome keeps large Blobs on disk.
import { createStore, del, get, keys, promisifyRequest, set, values, type UseStore } from 'idb-keyval';
import type { StoredModel } from './records.ts';

let models: UseStore | null = null;
let chunks: UseStore | null = null;

// Opened lazily: a module import must not touch IndexedDB (tests install it first).
function modelStore(): UseStore {
  return (models ??= createStore('qwen-local-models', 'models'));
}

function chunkStore(): UseStore {
  return (chunks ??= createStore('qwen-local-chunks', 'chunks'));
}

export function getModel(key: string): Promise<StoredModel | undefined> {
  return get<StoredModel>(key, modelStore());
}

export function putModel(model: StoredModel): Promise<void> {
  return set(model.key, model, modelStore());
}

export function listModels(): Promise<StoredModel[]> {
  return values<StoredModel>(modelStore());
}

export function getChunk(key: string, path: string, index: number): Promise<Blob | undefined> {
  return get<Blob>([key, path, index], chunkStore());
}

export function putChunk(key: string, path: string, index: number, data: Blob): Promise<void> {
  return set([key, path, index], data, chunkStore());
}

/** Deletes the record first, so an interrupted delete never leaves a "ready" model without its chunks. */
export async function deleteModel(key: string): Promise<void> {
  await del(key, modelStore());
  await deleteChunks(IDBKeyRange.bound([key], [key, []]));
}

/** The model keys that have chunks stored, with or without a record. */
export async function chunkModelKeys(): Promise<Set<string>> {
  const all = await keys<[string, string, number]>(chunkStore());
  return new Set(all.map(([key]) => key));
}

export function deleteFileChunks(key: string, path: string): Promise<void> {
  return deleteChunks(IDBKeyRange.bound([key, path], [key, path, []]));
}

function deleteChunks(range: IDBKeyRange): Promise<void> {
  // Arrays sort after strings and numbers, so [key, []] bounds every [key, path, index].
  return chunkStore()('readwrite', (store) => promisifyRequest(store.delete(range)));
}
