// The model store in Chromium: downloads into IndexedDB that survive cuts and page reloads,
// damaged bytes caught (from the host and inside IndexedDB), loads with no network at all,
// quota refusals, an external-data model. A hub of its own injects the network's faults; like
// the real hub it redirects the weights to a CDN path whose ETag is not their SHA-256.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { customSource } from '../workers/protocol/model-source.ts';
import { generate, unloadEngine } from './helpers/engine-page.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { referenceGreedy } from './helpers/reference.ts';
import { chunkCount, flipStoredChunk, load, startLoad, storedModel, waitForStoredChunks, type LoadOptions } from './helpers/store-page.ts';

const CHUNK = 4 * 2 ** 20;
const WEIGHTS = 'onnx/model_q4.onnx';
const EXTERNAL = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-ExternalData';
const HELLO = [{ role: 'user' as const, content: 'Hello, how are you?' }];
const GREEDY = { temperature: 0, repetition_penalty: 1 };

const fileBytes = (repo: string, path: string): Buffer => readFileSync(join(HUB_ROOT, repo, 'resolve', 'main', path));
const SIZE = fileBytes(TINY_INSTRUCT, WEIGHTS).byteLength;
const KEY = `${TINY_INSTRUCT}|q4`;

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());
test.beforeEach(async ({ page }) => {
  hub.faults.length = 0;
  hub.log.length = 0;
  await page.goto('/');
});

function options(repo = TINY_INSTRUCT): LoadOptions {
  return { source: customSource(hub.url), repo, dtype: 'q4', device: 'wasm', chunkBytes: CHUNK };
}

async function expectReferenceAnswer(page: Page, repo = TINY_INSTRUCT): Promise<void> {
  const result = await generate(page, { input: { mode: 'chat', messages: HELLO }, maxTokens: 8, sampling: GREEDY });
  expect(result.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4.onnx', { messages: HELLO }, 8));
}

/** The engine worker, before any load (onnxruntime's own threads start from the same script later). */
async function engineWorker(page: Page): Promise<Worker> {
  for (let i = 0; i < 100 && page.workers().length === 0; i++) await page.waitForTimeout(50);
  const workers = page.workers().filter((w) => w.url().includes('engine.worker'));
  if (workers.length !== 1) throw new Error(`expected one engine worker, found ${workers.length}`);
  return workers[0]!;
}

/** GETs that answered with the weights' bytes (not the hub's redirects, nor the LFS pointer). */
const weightRequests = (): number => hub.log.filter((r) => r.path.endsWith(WEIGHTS) && r.method === 'GET' && r.status !== 302 && !r.path.includes('/raw/')).length;

// A fast home link. Unthrottled on localhost the host outruns hashing and IndexedDB, and
// Chromium drops body bytes it had queued but the page had not read when a connection breaks.
const LINK = { kind: 'slow' as const, path: WEIGHTS, bytesPerSecond: 16 * 2 ** 20 };

test('a download cut at 10%, 50% and 90% resumes each time by Range from a stored chunk, through the hub redirect, and ends with the exact bytes', async ({ page }) => {
  const cuts = [0.1, 0.5, 0.9].map((f) => Math.floor(SIZE * f));
  for (const atByte of cuts) hub.faults.push({ kind: 'drop', path: WEIGHTS, atByte, times: 1 });
  // As CDNs often do, the 206's Content-Range is not exposed to the page: the resume must still hold.
  hub.faults.push(LINK, { kind: 'hide-content-range', path: WEIGHTS });
  const { report, error } = await load(page, options());
  expect(error).toBeNull();
  const refetched = hub.bytesServed(WEIGHTS) - SIZE;
  const starts = hub.rangeStarts(WEIGHTS);
  console.log(`cuts at ${cuts.join(', ')} of ${SIZE}: resumed from ${starts.join(', ')}; ${hub.bytesServed(WEIGHTS)} bytes served, ${refetched} fetched twice (bound ${cuts.length * CHUNK})`);
  // Each cut costs at most the chunk being filled: the download reads the network while the chunk
  // before is stored, so what the host sent before the cut has been read, not left in buffers.
  expect(refetched).toBeLessThanOrEqual(cuts.length * CHUNK);
  // One resume per cut, each by Range from a chunk boundary at or before its cut and past the one
  // before, so no byte before the last stored chunk is asked for again.
  expect(weightRequests()).toBe(cuts.length + 1);
  expect(starts).toHaveLength(cuts.length);
  starts.forEach((start, i) => {
    expect(start % CHUNK).toBe(0);
    expect(start).toBeLessThanOrEqual(cuts[i]!);
    expect(start).toBeGreaterThan(i === 0 ? 0 : cuts[i - 1]! - CHUNK);
  });
  const stored = await storedModel(page, KEY);
  expect(stored?.state).toBe('ready');
  // The weights came through a 302 to a CDN whose ETag is 64 hex digits but not the SHA-256;
  // the SHA-256 is the LFS pointer's, and the whole file matched it before the model was ready.
  const weights = stored!.files.find((f) => f.path === WEIGHTS)!;
  const sha256 = createHash('sha256').update(fileBytes(TINY_INSTRUCT, WEIGHTS)).digest('hex');
  expect(hub.log.some((r) => r.path.endsWith(WEIGHTS) && r.status === 302)).toBe(true);
  expect(weights.etag).toMatch(/^"[0-9a-f]{64}"$/);
  expect(weights.etag).not.toContain(sha256);
  expect(weights.sha256).toBe(sha256);
  expect(report?.downloadedBytes).toBe(stored!.files.reduce((sum, f) => sum + f.size, 0));
  await expectReferenceAnswer(page);
});

test('a download interrupted by a page reload resumes from the last stored chunk', async ({ page }) => {
  hub.faults.push({ ...LINK, times: 1 });
  await startLoad(page, options());
  await waitForStoredChunks(page, KEY, WEIGHTS, 4);
  await page.reload();
  const partial = await storedModel(page, KEY);
  expect(partial?.state).toBe('downloading');
  const storedBefore = partial!.files.find((f) => f.path === WEIGHTS)!.chunks.length * CHUNK;
  // What the app asks for after the reload, not how far the host ran ahead of the store before
  // it (socket buffering): requests logged from here on.
  const mark = hub.log.length;
  const { report, error } = await load(page, options());
  expect(error).toBeNull();
  const after = hub.log.slice(mark).filter((r) => r.path.endsWith(WEIGHTS) && r.method === 'GET' && r.status !== 302 && !r.path.includes('/raw/'));
  const servedAfter = after.reduce((sum, r) => sum + r.bytes, 0);
  console.log(`reload at ${storedBefore} bytes stored: the resume asked for ${after.map((r) => r.range).join(', ')} and fetched ${servedAfter} of ${SIZE}`);
  // One request, from the first byte not stored, for exactly the rest.
  expect(after.map((r) => [r.range, r.status])).toEqual([[`bytes=${storedBefore}-`, 206]]);
  expect(servedAfter).toBe(SIZE - storedBefore);
  expect(report!.downloadedBytes).toBeLessThan(SIZE);
  expect((await storedModel(page, KEY))?.state).toBe('ready');
  await expectReferenceAnswer(page);
});

test('wrong bytes from the host are caught, and a chunk damaged inside IndexedDB is fetched again', async ({ page }) => {
  hub.faults.push({ kind: 'corrupt', path: WEIGHTS, atByte: 12_345_678 });
  const bad = await load(page, options());
  expect(bad.error?.code).toBe('model_corrupt');
  expect(bad.error?.message).toContain('SHA-256');
  expect((await storedModel(page, KEY))?.state).toBe('downloading');

  hub.faults.length = 0;
  expect((await load(page, options())).error).toBeNull();
  await flipStoredChunk(page, KEY, WEIGHTS, 7);
  await page.reload();
  hub.log.length = 0;
  const { report } = await load(page, options());
  expect(report?.repairedChunks).toBe(1);
  expect(report?.downloadedBytes).toBe(0);
  expect(hub.log.filter((r) => r.method === 'GET' && r.status !== 302).map((r) => r.range)).toEqual([`bytes=${7 * CHUNK}-${8 * CHUNK - 1}`]);
  expect(hub.bytesServed(WEIGHTS)).toBe(CHUNK);
  await expectReferenceAnswer(page);

  // With the host gone the damage is reported, not used.
  await flipStoredChunk(page, KEY, WEIGHTS, 3);
  await page.reload();
  const offline = await load(page, { ...options(), source: customSource('http://localhost:9') });
  expect(offline.error?.code).toBe('model_corrupt');
  expect(offline.error?.message).toMatch(/Part 4 of \d+ .* is damaged .* Connect to the network/);
});

test('after one download, a reload loads and chats with no model-file requests, and with the network off', async ({ page, context }) => {
  expect((await load(page, options())).error).toBeNull();
  await page.reload();
  const pageRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(hub.url)) pageRequests.push(r.url());
  });
  hub.log.length = 0;
  const { report } = await load(page, options());
  expect(report?.downloadedBytes).toBe(0);
  await expectReferenceAnswer(page);
  expect(pageRequests).toEqual([]);
  expect(hub.log).toEqual([]);

  // Network off: the model comes from IndexedDB alone. (The app shell itself needs one online
  // visit until the Service Worker precaches it, so the page is not reloaded offline here.)
  await unloadEngine(page);
  await context.setOffline(true);
  try {
    const { report: offlineReport, error } = await load(page, options());
    expect(error).toBeNull();
    expect(offlineReport?.downloadedBytes).toBe(0);
    await expectReferenceAnswer(page);
  } finally {
    await context.setOffline(false);
  }
  expect(hub.log).toEqual([]);
});

test('not enough quota is refused before a byte is written; running out mid-way keeps what was written and says what more it needs', async ({ page }) => {
  // The browser's own estimate, as a nearly full disk would give it, inside the engine worker.
  const worker = await engineWorker(page);
  await worker.evaluate(() => {
    StorageManager.prototype.estimate = async () => ({ quota: 30 * 2 ** 20, usage: 18 * 2 ** 20 });
  });
  const refused = await load(page, options());
  expect(refused.error?.code).toBe('storage_quota');
  expect(refused.error?.message).toMatch(/needs 9\d\.\d MB but the browser allows this site only 12\.0 MB more/);
  expect(await storedModel(page, KEY)).toBeNull();
  expect(await chunkCount(page)).toBe(0);
  expect(hub.bytesServed(WEIGHTS)).toBe(0);

  // The estimate says there is room, then the disk "fills up" while the weights download: the
  // twelfth chunk write fails as IndexedDB fails it on a full disk. (Chromium's own quota,
  // lowered through DevTools' Storage.overrideQuotaForOrigin, failed the writes in most trials
  // but not all: IndexedDB checks it against a cached allowance.)
  await worker.evaluate(() => {
    StorageManager.prototype.estimate = async () => ({ quota: 2 ** 30, usage: 0 });
    const put = IDBObjectStore.prototype.put;
    let chunkWrites = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && ++chunkWrites === 12) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const failed = await load(page, options());
  expect(failed.error?.code).toBe('storage_quota');
  const partial = await storedModel(page, KEY);
  expect(partial?.state).toBe('downloading');
  const kept = partial!.files.reduce((sum, f) => sum + (f.complete ? f.size : f.chunks.length * CHUNK), 0);
  const needed = partial!.files.reduce((sum, f) => sum + f.size, 0) - kept;
  expect(await chunkCount(page)).toBe(11);
  expect(failed.error?.message).toContain(`What was downloaded is kept`);
  expect(failed.error?.message).toContain(`(${needed.toLocaleString('en-US')} bytes) more`);
});

test('an external-data model round-trips through the store in chunks smaller than its files', async ({ page }) => {
  const { report, error } = await load(page, options(EXTERNAL));
  expect(error).toBeNull();
  const stored = await storedModel(page, `${EXTERNAL}|q4`);
  const data = stored!.files.filter((f) => f.path.includes('_data'));
  expect(data.map((f) => [f.path, f.size, f.chunks.length])).toEqual(
    [`${WEIGHTS}_data`, `${WEIGHTS}_data_1`].map((p) => [p, fileBytes(EXTERNAL, p).byteLength, Math.ceil(fileBytes(EXTERNAL, p).byteLength / CHUNK)]),
  );
  expect(report?.downloadedBytes).toBeGreaterThan(90 * 10 ** 6);
  await expectReferenceAnswer(page, EXTERNAL);

  // A damaged external-data chunk: the sessions are built while the check worker repairs it,
  // then built again from the repaired bytes, and the answer is the reference's.
  await flipStoredChunk(page, `${EXTERNAL}|q4`, `${WEIGHTS}_data`, 2);
  await page.reload();
  hub.log.length = 0;
  const repaired = await load(page, options(EXTERNAL));
  expect(repaired.error).toBeNull();
  expect(repaired.report?.repairedChunks).toBe(1);
  expect(hub.log.filter((r) => r.method === 'GET' && r.status !== 302 && !r.path.includes('/raw/')).map((r) => r.range)).toEqual([`bytes=${2 * CHUNK}-${3 * CHUNK - 1}`]);
  await expectReferenceAnswer(page, EXTERNAL);
});

test('the store panel lists stored models with sizes, deletes one or all, and keeps the chosen source', async ({ page }) => {
  page.on('dialog', (dialog) => void dialog.accept());
  const url = (repo: string): string => `/?hub=${encodeURIComponent(hub.url)}&model=${encodeURIComponent(repo)}&device=wasm&dtype=q4&chunkMiB=4`;
  for (const repo of [TINY_INSTRUCT, EXTERNAL]) {
    await page.goto(url(repo));
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect(page.getByTestId('load-status')).toHaveText('Ready', { timeout: 60_000 });
  }
  // The store panel lives in the Models panel.
  await page.getByTestId('open-models').click();
  const list = page.getByTestId('stored-models');
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list).toContainText(`${TINY_INSTRUCT} (q4) · 9`);
  await page.getByRole('button', { name: `Delete ${EXTERNAL} q4` }).click();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  expect(await storedModel(page, `${EXTERNAL}|q4`)).toBeNull();
  await page.getByRole('button', { name: 'Delete all' }).click();
  await expect(page.getByText('No models stored yet.')).toBeVisible();
  expect(await chunkCount(page)).toBe(0);

  // The source setting survives a reload; ?hub= overrides it for one visit.
  await page.goto('/');
  await page.getByTestId('open-models').click();
  await page.getByTestId('source-select').selectOption('hf-mirror');
  await page.reload();
  await page.getByTestId('open-models').click();
  await expect(page.getByTestId('source-select')).toHaveValue('hf-mirror');
  await expect(page.getByText('https://hf-mirror.com/{repo}/resolve/main/{file}')).toBeVisible();
});
