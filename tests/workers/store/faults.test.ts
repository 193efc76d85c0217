// Issue 22's store faults, each as the hub stand-in or the store injects it: the hub's redirect
// with a foreign ETag, no LFS pointer, a 416 on a complete file, storage running out, an HTML
// page as tokenizer.json, and deletes during a download and during a load.
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../../scripts/hub-server.ts';
import { FileHasher } from '../../../workers/store/checksums.ts';
import { chunkModelKeys, getModel, listModels, putModel } from '../../../workers/store/idb.ts';
import { readModel } from '../../helpers/read-model.ts';
import { modelKey, storedBytes } from '../../../workers/store/records.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';
import { deleteStoredModel } from '../../../workers/store/store-admin.ts';
import { CHUNK, ensure, fixtureRepoOf, rejection, request, useHub, waitFor } from './store-harness.ts';

const single = fixtureRepoOf('optimum-q4');
const WEIGHTS = 'onnx/model_q4.onnx';
const KEY = modelKey(single.repo, 'q4');
const size = single.bytes(WEIGHTS).byteLength;
const hub = useHub();

const weightsRecord = async () => (await getModel(KEY))?.files.find((f) => f.path === WEIGHTS);

describe('store faults (issue 22)', () => {
  it('downloads through the hub redirect to a CDN whose ETag is 64 hex digits but not the SHA-256, verifying against the LFS pointer', async () => {
    await ensure(request(hub(), single.repo));
    const weights = await weightsRecord();
    expect(hub().log.some((r) => r.path.endsWith(WEIGHTS) && r.status === 302)).toBe(true);
    expect(weights?.etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(weights?.etag).not.toContain(single.sha256(WEIGHTS));
    expect(weights?.sha256).toBe(single.sha256(WEIGHTS));
    expect((await getModel(KEY))?.state).toBe('ready');
  });

  it('a download begun with a SHA-256 taken from a CDN ETag (older versions) resumes against the pointer instead', async () => {
    await ensure(request(hub(), single.repo));
    const model = (await getModel(KEY))!;
    Object.assign(model.files.find((f) => f.path === WEIGHTS)!, { complete: false, chunks: [], hashState: null, sha256: 'e'.repeat(64) });
    model.state = 'downloading';
    await putModel(model);
    await ensure(request(hub(), single.repo));
    expect((await weightsRecord())?.sha256).toBe(single.sha256(WEIGHTS));
    expect((await getModel(KEY))?.state).toBe('ready');
  });

  it('claims no SHA-256 where the source publishes no pointer (404), and checks size and chunks only', async () => {
    // The CDN path as a template: it has the hub's layout, but its /raw/main/ is not there.
    const source = customSource(`${hub().url}cdn/{repo}/resolve/main/{file}`);
    await ensure(request(hub(), single.repo, { source }));
    expect(hub().log.some((r) => r.path.includes('/raw/main/') && r.status === 404)).toBe(true);
    expect((await weightsRecord())?.sha256).toBeNull();
    expect((await getModel(KEY))?.state).toBe('ready');
  });

  it('a 416 for a file whose every byte is stored completes it from the stored bytes, with no download', async () => {
    await ensure(request(hub(), single.repo));
    // As a reload right after the last chunk's write leaves it: all chunks, not yet "complete".
    const model = (await getModel(KEY))!;
    const weights = model.files.find((f) => f.path === WEIGHTS)!;
    const hasher = await FileHasher.open(null);
    hasher.update(single.bytes(WEIGHTS));
    Object.assign(weights, { complete: false, hashState: hasher.save() });
    model.state = 'downloading';
    await putModel(model);
    hub().log.length = 0;
    await ensure(request(hub(), single.repo));
    expect(hub().log.filter((r) => r.path.endsWith(WEIGHTS) && r.method === 'GET' && r.status !== 302 && !r.path.includes('/raw/')).map((r) => [r.range, r.status])).toEqual([[`bytes=${size}-`, 416]]);
    expect(hub().bytesServed(WEIGHTS)).toBe(0);
    expect((await getModel(KEY))?.state).toBe('ready');
  });

  it('storage running out mid-way keeps what is stored, says how much more is needed, and resumes from there', async () => {
    let writes = 0;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && ++writes === 12) throw new DOMException('quota', 'QuotaExceededError');
      return put.apply(this, args);
    };
    let error;
    try {
      error = await rejection(ensure(request(hub(), single.repo)));
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(error.code).toBe('storage_quota');
    const partial = (await getModel(KEY))!;
    const weights = partial.files.find((f) => f.path === WEIGHTS)!;
    const stored = storedBytes(weights, CHUNK);
    expect(stored).toBeGreaterThan(0);
    expect(error.detail?.['neededBytes']).toBe(size - stored);
    expect(error.message).toContain('What was downloaded is kept');
    expect(error.message).toContain(`(${(size - stored).toLocaleString('en-US')} bytes) more`);
    expect(error.message).toMatch(/needs \d+\.\d MB \(/);
    // By request: the stopped response may still write into its closed socket meanwhile.
    const mark = hub().log.length;
    await ensure(request(hub(), single.repo));
    expect(hub().bytesServed(WEIGHTS, mark)).toBe(size - stored);
  });

  it('stops a download when its model is deleted, and the model does not come back', async () => {
    hub().faults.push({ kind: 'slow', path: WEIGHTS, bytesPerSecond: 40 * 2 ** 20 });
    const download = rejection(ensure(request(hub(), single.repo)));
    await waitFor(async () => ((await weightsRecord())?.chunks.length ?? 0) >= 2);
    await deleteStoredModel(KEY);
    const error = await download;
    expect(error.code).toBe('aborted');
    expect(error.message).toContain('was deleted while it downloaded');
    expect(await getModel(KEY)).toBeUndefined();
    expect((await chunkModelKeys()).has(KEY)).toBe(false);
    // Nothing of it is written later either: the download's last requests are over.
    const served = hub().bytesServed(WEIGHTS);
    expect(served).toBeLessThan(size);
    expect(await listModels()).toEqual([]);
  });

  it('a delete during a load waits for the read, and leaves no chunks behind', async () => {
    await ensure(request(hub(), single.repo));
    const model = (await getModel(KEY))!;
    const read = readModel(model, { source: customSource(hub().url), origin: 'http://localhost' });
    const deleted = deleteStoredModel(KEY);
    const { files, repairedChunks } = await read;
    expect(Buffer.from(files.model).equals(single.bytes(WEIGHTS))).toBe(true);
    expect(repairedChunks).toBe(0);
    await deleted;
    expect(await getModel(KEY)).toBeUndefined();
    expect((await chunkModelKeys()).has(KEY)).toBe(false);
    await expect(readModel(model, { source: customSource(hub().url), origin: 'http://localhost' })).rejects.toThrow(/was deleted before it could load/);
  });
});

describe('a host that serves an HTML page as tokenizer.json', () => {
  let root: string;
  let htmlHub: HubServer;
  beforeAll(async () => {
    // The fixture linked file by file, but tokenizer.json is a sign-in page, as a proxy gives it.
    root = mkdtempSync(join(tmpdir(), 'html-hub-'));
    const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)).map((f) => `${name}/${f}`) : [name]));
    const target = join(root, single.repo, 'resolve', 'main');
    for (const file of files(single.dir)) {
      mkdirSync(dirname(join(target, file)), { recursive: true });
      if (file === 'tokenizer.json') writeFileSync(join(target, file), '<!DOCTYPE html><html><body>Sign in to continue</body></html>');
      else symlinkSync(join(single.dir, file), join(target, file));
    }
    htmlHub = await startHubServer(root);
  });
  afterAll(async () => {
    await htmlHub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is refused with a message naming the file and the source, and nothing is stored', async () => {
    const error = await rejection(ensure(request(htmlHub, single.repo)));
    expect(error.code).toBe('model_files_invalid');
    expect(error.message).toContain(`tokenizer.json from ${new URL(htmlHub.url).host} is an HTML page`);
    expect(await listModels()).toEqual([]);
    expect(await chunkModelKeys()).toEqual(new Set());
  });
});
