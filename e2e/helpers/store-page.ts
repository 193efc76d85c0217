// Reaches into the page's model store for tests: raw IndexedDB reads and writes (the records
// and chunk Blobs the app stores), and loads that do not wait, to interrupt them.
import type { Page } from '@playwright/test';
import type { EngineClient } from '../../src/lib/services/engine-client.ts';
import type { LoadReport, LoadRequest } from '../../workers/protocol/messages.ts';
import type { StoredModel } from '../../workers/store/records.ts';

type PageGlobal = { qwenLocal: { engine: EngineClient } };
export type LoadOptions = Omit<LoadRequest, 'kind' | 'id'>;
export type LoadOutcome = { report: LoadReport; error: null } | { report: null; error: { code: string; message: string } };

export async function load(page: Page, options: LoadOptions): Promise<LoadOutcome> {
  return page.evaluate(async (options) => {
    try {
      return { report: await (globalThis as unknown as PageGlobal).qwenLocal.engine.load(options), error: null };
    } catch (e) {
      const error = e as { code: string; message: string };
      return { report: null, error: { code: error.code, message: error.message } };
    }
  }, options);
}

/** Starts a load and returns at once (the page may be reloaded under it). */
export async function startLoad(page: Page, options: LoadOptions): Promise<void> {
  await page.evaluate((options) => {
    void (globalThis as unknown as PageGlobal).qwenLocal.engine.load(options).catch(() => undefined);
  }, options);
}

export async function storedModel(page: Page, key: string): Promise<StoredModel | null> {
  return page.evaluate(
    (key) =>
      new Promise<StoredModel | null>((resolve, reject) => {
        const open = indexedDB.open('qwen-local-models');
        open.onupgradeneeded = () => open.result.createObjectStore('models');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('models').objectStore('models').get(key);
          get.onsuccess = () => resolve((get.result as StoredModel | undefined) ?? null);
          get.onerror = () => reject(get.error);
        };
      }),
    key,
  );
}

/** How many chunk Blobs the store holds, of all models. */
export async function chunkCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('qwen-local-chunks');
        open.onupgradeneeded = () => open.result.createObjectStore('chunks');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('chunks').objectStore('chunks').count();
          count.onsuccess = () => resolve(count.result);
          count.onerror = () => reject(count.error);
        };
      }),
  );
}

/** Flips one byte of a stored chunk, as disk damage would. */
export async function flipStoredChunk(page: Page, key: string, path: string, index: number): Promise<void> {
  await page.evaluate(
    ({ key, path, index }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('qwen-local-chunks');
        open.onerror = () => reject(open.error);
        open.onsuccess = async () => {
          const db = open.result;
          const blob = await new Promise<Blob>((done) => {
            const get = db.transaction('chunks').objectStore('chunks').get([key, path, index]);
            get.onsuccess = () => done(get.result as Blob);
          });
          const bytes = new Uint8Array(await blob.arrayBuffer());
          bytes[4321]! ^= 0x80;
          const put = db.transaction('chunks', 'readwrite').objectStore('chunks').put(new Blob([bytes]), [key, path, index]);
          put.onsuccess = () => resolve();
          put.onerror = () => reject(put.error);
        };
      }),
    { key, path, index },
  );
}

export async function waitForStoredChunks(page: Page, key: string, path: string, atLeast: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const model = await storedModel(page, key);
    if ((model?.files.find((f) => f.path === path)?.chunks.length ?? 0) >= atLeast) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${path} never reached ${atLeast} stored chunks`);
}
