// The browser's side of the model store: its storage figures and the request for persistent
// storage (Window-only APIs). Listing and deleting models goes through the engine worker
// (EngineClient.storedModels / deleteStored), under the lock downloads and loads take.

export interface StorageFigures {
  usage: number | null;
  quota: number | null;
  persisted: boolean;
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
