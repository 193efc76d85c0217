// Reading a stored model back: every chunk checked, a damaged one fetched again (that chunk
// only) or, with the host gone, a clear error; external data as Blobs of the stored chunks.
import { describe, expect, it } from 'vitest';
import { getChunk, getModel, putChunk } from '../../../workers/store/idb.ts';
import { openModel } from '../../../workers/store/model-reader.ts';
import { readModel } from '../../helpers/read-model.ts';
import { modelKey } from '../../../workers/store/records.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';
import { CHUNK, ensure, fixtureRepoOf, request, useHub } from './store-harness.ts';

const single = fixtureRepoOf('optimum-q4');
const external = fixtureRepoOf('optimum-q4-external');
const WEIGHTS = 'onnx/model_q4.onnx';
const hub = useHub();

async function flipChunk(key: string, path: string, index: number): Promise<void> {
  const bytes = new Uint8Array(await (await getChunk(key, path, index))!.arrayBuffer());
  bytes[1234]! ^= 0x01;
  await putChunk(key, path, index, new Blob([bytes]));
}

describe('model reader', () => {
  it('repairs a chunk flipped inside IndexedDB by fetching that chunk again', async () => {
    await ensure(request(hub(), single.repo));
    const key = modelKey(single.repo, 'q4');
    await flipChunk(key, WEIGHTS, 5);
    hub().log.length = 0;
    const { files, repairedChunks } = await readModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' });
    expect(repairedChunks).toBe(1);
    expect(Buffer.from(files.model).equals(single.bytes(WEIGHTS))).toBe(true);
    expect(hub().log.filter((r) => r.status !== 302).map((r) => [r.range, r.status])).toEqual([[`bytes=${5 * CHUNK}-${6 * CHUNK - 1}`, 206]]);
    expect(hub().bytesServed(WEIGHTS)).toBe(CHUNK);
    // The repaired chunk is stored: the next read needs no network.
    hub().log.length = 0;
    expect((await readModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' })).repairedChunks).toBe(0);
    expect(hub().log).toEqual([]);
  });

  it('refuses a damaged chunk it cannot repair, with what to do, and never returns bad bytes', async () => {
    await ensure(request(hub(), single.repo));
    const key = modelKey(single.repo, 'q4');
    await flipChunk(key, WEIGHTS, 2);
    const model = (await getModel(key))!;
    await expect(readModel(model, { source: customSource('http://localhost:9'), origin: 'http://localhost' })).rejects.toMatchObject({
      code: 'model_corrupt',
      message: expect.stringContaining('Part 3 of') as unknown,
    });
  });

  it('deletes a model whose host now has different bytes for a damaged chunk', async () => {
    await ensure(request(hub(), single.repo));
    const key = modelKey(single.repo, 'q4');
    await flipChunk(key, WEIGHTS, 1);
    hub().faults.push({ kind: 'corrupt', path: WEIGHTS, atByte: CHUNK + 10 });
    await expect(readModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' })).rejects.toMatchObject({ code: 'model_corrupt' });
    expect(await getModel(key)).toBeUndefined();
  });

  it('round-trips an external-data model: the graph as bytes, each data file as a Blob of its chunks', async () => {
    await ensure(request(hub(), external.repo));
    const model = (await getModel(modelKey(external.repo, 'q4')))!;
    expect(model.files.map((f) => f.path)).toEqual([
      'config.json',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      WEIGHTS,
      `${WEIGHTS}_data`,
      `${WEIGHTS}_data_1`,
    ]);
    const { files } = await readModel(model, { source: customSource(hub().url), origin: 'http://localhost' });
    expect(Buffer.from(files.model).equals(external.bytes(WEIGHTS))).toBe(true);
    expect(files.externalData.map((d) => d.path)).toEqual(['model_q4.onnx_data', 'model_q4.onnx_data_1']);
    for (const { path, data } of files.externalData) {
      expect(data.size).toBe(external.bytes(`onnx/${path}`).byteLength);
      expect(Buffer.from(await data.arrayBuffer()).equals(external.bytes(`onnx/${path}`))).toBe(true);
    }
    expect(files.config['model_type']).toBe('qwen2');
    expect(files.tokenizerConfig['tokenizer_class']).toBe('Qwen2Tokenizer');
  });

  it('opens a model before its graph is checked: the stored bytes at once, the checked ones when the check ends', async () => {
    await ensure(request(hub(), single.repo));
    const key = modelKey(single.repo, 'q4');
    await flipChunk(key, WEIGHTS, 5);
    const { files, checked } = await openModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' });
    expect(Buffer.from(files.model).equals(single.bytes(WEIGHTS))).toBe(false);
    const report = await checked;
    expect(report.repairedChunks).toBe(1);
    expect(Buffer.from(report.files.model).equals(single.bytes(WEIGHTS))).toBe(true);
  });

  it('opens a model before its external data is checked: the stored bytes at once, the checked ones when the check ends', async () => {
    await ensure(request(hub(), external.repo));
    const key = modelKey(external.repo, 'q4');
    await flipChunk(key, `${WEIGHTS}_data`, 1);
    const { files, checked } = await openModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' });
    const good = external.bytes(`${WEIGHTS}_data`);
    expect(Buffer.from(files.model).equals(external.bytes(WEIGHTS))).toBe(true);
    expect(Buffer.from(await files.externalData[0]!.data.arrayBuffer()).equals(good)).toBe(false);
    const report = await checked;
    expect(report.repairedChunks).toBe(1);
    expect(Buffer.from(await report.files.externalData[0]!.data.arrayBuffer()).equals(good)).toBe(true);
  });

  it('with a stored chunk cut short, opens the model only once every chunk is checked', async () => {
    await ensure(request(hub(), external.repo));
    const key = modelKey(external.repo, 'q4');
    await putChunk(key, `${WEIGHTS}_data_1`, 0, new Blob([new Uint8Array(10)]));
    const { files, checked } = await openModel((await getModel(key))!, { source: customSource(hub().url), origin: 'http://localhost' });
    expect((await checked).repairedChunks).toBe(1);
    for (const { path, data } of files.externalData) expect(Buffer.from(await data.arrayBuffer()).equals(external.bytes(`onnx/${path}`))).toBe(true);
  });
});
