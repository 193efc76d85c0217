// Resumable, verified downloads into the store: cuts at several points, a host that ignores
// Range, 5xx and 416 answers, wrong bytes, quota, and the bytes re-fetched per interruption.
import { describe, expect, it } from 'vitest';
import { getChunk, getModel, listModels } from '../../../workers/store/idb.ts';
import { modelKey } from '../../../workers/store/records.ts';
import { readModel } from '../../helpers/read-model.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';
import { CHUNK, clearStore, ensure, fixtureRepoOf, rejection, request, useHub, waitFor } from './store-harness.ts';

const single = fixtureRepoOf('optimum-q4');
const WEIGHTS = 'onnx/model_q4.onnx';
const size = single.bytes(WEIGHTS).byteLength;
const hub = useHub();

async function storedGraph(repo: string): Promise<Uint8Array> {
  const model = await getModel(modelKey(repo, 'q4'));
  const { files } = await readModel(model!, { source: customSource(hub().url), origin: 'http://localhost' });
  return files.model;
}

describe('model download', () => {
  it('stores a model larger than a chunk and reads back the exact bytes, reporting progress with speed and ETA', async () => {
    const { events, addedBytes } = await ensure(request(hub(), single.repo));
    const model = await getModel(modelKey(single.repo, 'q4'));
    expect(model?.state).toBe('ready');
    const weights = model!.files.find((f) => f.path === WEIGHTS)!;
    expect(weights.chunks.length).toBe(Math.ceil(size / CHUNK));
    expect(weights.sha256).toBe(single.sha256(WEIGHTS));
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
    expect(addedBytes).toBe(model!.files.reduce((sum, f) => sum + f.size, 0));
    const last = events.at(-1)!;
    expect(last.totalDone).toBe(last.totalBytes);
    expect(events.some((e) => e.bytesPerSecond !== null && e.bytesPerSecond > 0 && e.etaSeconds !== null)).toBe(true);
    // A second call finds it ready and touches no network.
    hub().log.length = 0;
    await ensure(request(hub(), single.repo));
    expect(hub().log).toEqual([]);
  });

  it('resumes after connections dropped at 10%, 50% and 90%, re-fetching at most a chunk each', async () => {
    const cuts = [0.1, 0.5, 0.9].map((f) => Math.floor(size * f));
    for (const atByte of cuts) hub().faults.push({ kind: 'drop', path: WEIGHTS, atByte, times: 1 });
    await ensure(request(hub(), single.repo));
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
    const refetched = hub().bytesServed(WEIGHTS) - size;
    console.log(`cuts at ${cuts.join(', ')}: resumed from ${hub().rangeStarts(WEIGHTS).join(', ')}; ${hub().bytesServed(WEIGHTS)} bytes served for ${size}, ${refetched} re-fetched (bound ${3 * CHUNK})`);
    expect(refetched).toBeGreaterThan(0);
    expect(refetched).toBeLessThanOrEqual(cuts.length * CHUNK);
    // The resumes asked for the rest by Range, from chunk boundaries.
    const ranges = hub().rangeStarts(WEIGHTS);
    expect(ranges.length).toBe(cuts.length);
    ranges.forEach((start, i) => {
      expect(start % CHUNK).toBe(0);
      expect(start).toBeLessThanOrEqual(cuts[i]!);
      expect(start).toBeGreaterThan(cuts[i]! - CHUNK);
    });
  });

  it('resumes in a new call after the first was stopped mid-way (a closed tab), from the last stored chunk', async () => {
    hub().faults.push({ kind: 'slow', path: WEIGHTS, bytesPerSecond: 40 * 2 ** 20, times: 1 });
    const controller = new AbortController();
    const first = ensure(request(hub(), single.repo, { signal: controller.signal }));
    await waitFor(async () => ((await getModel(modelKey(single.repo, 'q4')))?.files.find((f) => f.path === WEIGHTS)?.chunks.length ?? 0) >= 3);
    controller.abort();
    expect((await rejection(first)).code).toBe('aborted');
    const partial = (await getModel(modelKey(single.repo, 'q4')))!;
    expect(partial.state).toBe('downloading');
    const storedBefore = partial.files.find((f) => f.path === WEIGHTS)!.chunks.length * CHUNK;
    // Counted by request, not by a running total: the stopped response may still be writing
    // its last piece into the closed socket when the new call starts.
    const mark = hub().log.length;
    await ensure(request(hub(), single.repo));
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
    expect(hub().rangeStarts(WEIGHTS, mark)).toEqual([storedBefore]);
    expect(hub().bytesServed(WEIGHTS, mark)).toBe(size - storedBefore);
  });

  it('handles a host that ignores Range by skipping what is stored', async () => {
    hub().faults.push({ kind: 'drop', path: WEIGHTS, atByte: Math.floor(size / 3), times: 1 }, { kind: 'ignore-range', path: WEIGHTS });
    await ensure(request(hub(), single.repo));
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
    const gets = hub().log.filter((r) => r.path.endsWith(WEIGHTS) && r.method === 'GET' && r.status !== 302 && !r.path.includes('/raw/'));
    expect(gets.map((r) => r.status)).toEqual([200, 200]);
  });

  it('retries 500s and restarts a file after a 416 on resume', async () => {
    hub().faults.push({ kind: 'status', path: WEIGHTS, status: 500, times: 2 });
    await ensure(request(hub(), single.repo));
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
    await clearStore();
    hub().log.length = 0;
    hub().faults.push({ kind: 'drop', path: WEIGHTS, atByte: 2 * CHUNK + 5, times: 1 }, { kind: 'status', path: WEIGHTS, status: 416, ranged: true, times: 1 });
    await ensure(request(hub(), single.repo));
    expect(hub().log.some((r) => r.status === 416)).toBe(true);
    expect(Buffer.from(await storedGraph(single.repo)).equals(single.bytes(WEIGHTS))).toBe(true);
  });

  it('gives up after repeated failures with a message, keeping what was stored for the next try', async () => {
    hub().faults.push({ kind: 'drop', path: WEIGHTS, atByte: CHUNK + 100, times: 1 }, { kind: 'status', path: WEIGHTS, status: 503, ranged: true });
    const error = await rejection(ensure(request(hub(), single.repo)));
    expect(error.code).toBe('model_fetch_failed');
    expect(error.message).toMatch(/keeps failing.*What is stored is kept/);
    const partial = await getModel(modelKey(single.repo, 'q4'));
    expect(partial?.state).toBe('downloading');
    expect(partial?.files.find((f) => f.path === WEIGHTS)?.chunks.length).toBe(1);
    hub().faults.length = 0;
    await ensure(request(hub(), single.repo));
    expect((await getModel(modelKey(single.repo, 'q4')))?.state).toBe('ready');
  });

  it('detects wrong bytes from the host by the published SHA-256 and never marks the model ready', async () => {
    hub().faults.push({ kind: 'corrupt', path: WEIGHTS, atByte: Math.floor(size / 2) });
    const error = await rejection(ensure(request(hub(), single.repo)));
    expect(error.code).toBe('model_corrupt');
    expect(error.message).toContain('SHA-256');
    const model = await getModel(modelKey(single.repo, 'q4'));
    expect(model?.state).toBe('downloading');
    const weights = model!.files.find((f) => f.path === WEIGHTS)!;
    expect(weights.chunks).toEqual([]);
    expect(await getChunk(model!.key, WEIGHTS, 0)).toBeUndefined();
    await expect(readModel(model!, { source: customSource(hub().url), origin: 'http://localhost' })).rejects.toThrow(/not completely downloaded/);
  });

  it('refuses a download that does not fit the quota before writing anything', async () => {
    const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: { storage: { estimate: async () => ({ quota: 60 * 2 ** 20, usage: 10 * 2 ** 20 }) } },
    });
    try {
      const error = await rejection(ensure(request(hub(), single.repo)));
      expect(error.code).toBe('storage_quota');
      expect(error.message).toMatch(/needs 9\d\.\d MB but the browser allows this site only 50\.0 MB more/);
    } finally {
      if (nav) Object.defineProperty(globalThis, 'navigator', nav);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
    expect(await listModels()).toEqual([]);
    expect(hub().bytesServed(WEIGHTS)).toBe(0);
  });
});
