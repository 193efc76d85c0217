// Shown: a Qwen safetensors repo (GPTQ-Int4 single file, and sharded with an index) downloads
// through the hub stand-in, is verified against its LFS pointers, and is converted from the
// store into an ONNX model that equals the converter's output on the same files byte for byte
// and runs on onnxruntime-node; a flipped byte in a shard is caught before anything is
// converted; a cut connection mid-shard resumes with Range; a newer converter rebuilds from the
// stored checkpoint without downloading.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { officialFixture, officialFixtureDir, officialFixtureRepo } from '../../../scripts/forge/fixture-set.ts';
import { convertCheckpoint, CONVERTER_VERSION } from '../../../workers/convert/convert-model.ts';
import { storedConverter, convertedBytes } from '../../../workers/convert/convert-stored.ts';
import { getModel, putModel } from '../../../workers/store/idb.ts';
import { ensureModel, type Converter } from '../../../workers/store/model-download.ts';
import { readModel } from '../../helpers/read-model.ts';
import { modelKey } from '../../../workers/store/records.ts';
import { ModelRunner, PROMPT_IDS } from '../../helpers/model-runner.ts';
import { rejection, request, useHub } from '../store/store-harness.ts';
import { DiskCheckpointFiles } from '../../helpers/checkpoint-files.ts';

const hub = useHub();
const scratch = mkdtempSync(join(tmpdir(), 'stored-conversion-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function official(id: string): { repo: string; dir: string } {
  const spec = officialFixture(id);
  return { repo: officialFixtureRepo(spec), dir: officialFixtureDir(spec) };
}

function converter(): Converter & { parts: number[] } {
  const parts: number[] = [];
  const inner = storedConverter((p) => parts.push(p.partsDone));
  return { ...inner, run: vi.fn(inner.run), parts };
}

/** The converter's output straight from the fixture's files on disk. */
async function fromDisk(dir: string, repo: string): Promise<{ graph: Uint8Array; data: Buffer }> {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  let index: unknown = null;
  try {
    index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
  } catch {
    index = null;
  }
  const parts: Uint8Array[] = [];
  const out = await convertCheckpoint({ repo, config, index, compute: 'float32', files: new DiskCheckpointFiles(dir), sink: { append: async (b) => void parts.push(b.slice()) }, fileName: 'model_q4.onnx' });
  return { graph: out.graph, data: Buffer.concat(parts) };
}

describe.each(['official-gptq', 'official-gptq-sharded'])('%s', (id) => {
  it('downloads, verifies, converts in the store; the stored model equals the converter on the files and runs', async () => {
    const { repo, dir } = official(id);
    const convert = converter();
    await ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert }, () => {});
    const model = (await getModel(modelKey(repo, 'q4')))!;
    expect(model.state).toBe('ready');
    expect(model.conversion).toMatchObject({ format: 'gptq', converterVersion: CONVERTER_VERSION, outputs: ['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data'] });
    // Every checkpoint file was checked against the SHA-256 of its LFS pointer.
    for (const source of model.conversion!.sources) expect(source.sha256, source.path).toMatch(/^[0-9a-f]{64}$/);
    expect(model.conversion!.sources.length).toBe(id.endsWith('sharded') ? 2 : 1);
    expect(convert.parts.at(-1)).toBeGreaterThan(4);

    const { files } = await readModel(model, { source: request(hub(), repo).source, origin: 'http://localhost' });
    const expected = await fromDisk(dir, repo);
    expect(Buffer.from(files.model).equals(Buffer.from(expected.graph))).toBe(true);
    expect(files.externalData.map((f) => f.path)).toEqual(['model_q4.onnx_data']);
    const data = Buffer.from(await files.externalData[0]!.data.arrayBuffer());
    expect(data.equals(expected.data)).toBe(true);
    // The estimate the quota check used is within 5% of what was written.
    expect(Math.abs(convertedBytes(repo, files.config, 'q4') / (data.byteLength + files.model.byteLength) - 1)).toBeLessThan(0.05);

    const out = mkdtempSync(join(scratch, 'run-'));
    writeFileSync(join(out, 'model_q4.onnx'), files.model);
    writeFileSync(join(out, 'model_q4.onnx_data'), data);
    const runner = await ModelRunner.open('node', out, 'model_q4.onnx');
    expect((await runner.greedy(PROMPT_IDS, 4)).length).toBe(4);
    await runner.release();
  });
});

describe('faults', () => {
  const { repo } = official('official-gptq-sharded');
  const SHARD = 'model-00002-of-00002.safetensors';

  it('a flipped byte in a shard is caught by its SHA-256 before any conversion, and the model is not ready', async () => {
    hub().faults.push({ kind: 'corrupt', path: SHARD, atByte: 1234, times: 1 });
    const convert = converter();
    const error = await rejection(ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert }, () => {}));
    expect(error.code).toBe('model_corrupt');
    expect(error.message).toContain(SHARD);
    expect(convert.run).not.toHaveBeenCalled();
    expect((await getModel(modelKey(repo, 'q4')))?.state).toBe('downloading');
    // Loading again downloads that shard anew and converts.
    await ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert }, () => {});
    expect((await getModel(modelKey(repo, 'q4')))?.state).toBe('ready');
  });

  it('a connection cut mid-shard resumes with a Range request from the last stored chunk', async () => {
    const first = 'model-00001-of-00002.safetensors';
    hub().faults.push({ kind: 'drop', path: first, atByte: 6 * 2 ** 20, times: 1 });
    await ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert: converter() }, () => {});
    expect(hub().rangeStarts(first)).toEqual([4 * 2 ** 20]);
    expect((await getModel(modelKey(repo, 'q4')))?.state).toBe('ready');
  });

  it('a conversion by an older converter is rebuilt from the stored checkpoint, with no download', async () => {
    await ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert: converter() }, () => {});
    const model = (await getModel(modelKey(repo, 'q4')))!;
    model.conversion!.converterVersion = CONVERTER_VERSION - 1;
    await putModel(model);
    hub().log.length = 0;
    const convert = converter();
    await ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert }, () => {});
    expect(convert.run).toHaveBeenCalledTimes(1);
    expect(hub().log).toEqual([]);
    const rebuilt = (await getModel(modelKey(repo, 'q4')))!;
    expect(rebuilt.conversion!.converterVersion).toBe(CONVERTER_VERSION);
    expect(rebuilt.files.filter((f) => f.path.startsWith('onnx/')).length).toBe(2);
  });
});

describe('what the repo holds, from its own files', () => {
  it.each([
    ['official-gptq', 'safetensors'],
    ['official-bf16', 'safetensors'],
  ] as const)('%s with no weights given is detected as %s and converted', async (id, weights) => {
    const { repo } = official(id);
    await ensureModel({ ...request(hub(), repo), convert: converter() }, () => {});
    const model = (await getModel(modelKey(repo, 'q4')))!;
    expect([model.weights, model.state]).toEqual([weights, 'ready']);
    // bf16 has no quantization_config: the missing ONNX graph decided, with one HEAD.
    if (id === 'official-bf16') expect(hub().log.some((r) => r.method === 'HEAD' && r.path.endsWith('onnx/model_q4.onnx') && r.status === 404)).toBe(true);
  });

  it('an onnx-community export with no weights given stays ONNX', async () => {
    const repo = 'qwen-local-forge/Qwen2.5-Tiny-Instruct';
    await ensureModel({ ...request(hub(), repo), convert: converter() }, () => {});
    expect((await getModel(modelKey(repo, 'q4')))?.weights).toBe('onnx');
  });

  it('an ONNX export without the asked dtype names the missing graph, not a checkpoint', async () => {
    const error = await rejection(ensureModel({ ...request(hub(), 'qwen-local-forge/Qwen2.5-Tiny-Instruct-KV32'), convert: converter() }, () => {}));
    expect(error.code).toBe('model_files_invalid');
    expect(error.message).toMatch(/has no onnx\/model_q4\.onnx on localhost:\d+ \(404\)/);
  });

  it('a repo missing on the source is named, with the sources to try', async () => {
    const error = await rejection(ensureModel({ ...request(hub(), 'Qwen/Qwen2.5-9B-Instruct'), weights: 'safetensors', convert: converter() }, () => {}));
    expect(error.code).toBe('model_files_invalid');
    expect(error.message).toMatch(/Qwen\/Qwen2\.5-9B-Instruct has no config\.json on localhost:\d+ \(404\).*Hugging Face, hf-mirror\.com.*ModelScope/);
  });

  it('a shard the index names but the source lacks is named, before anything is stored', async () => {
    const { repo } = official('official-gptq-sharded');
    hub().faults.push({ kind: 'status', path: 'model-00002-of-00002.safetensors', status: 404 });
    const error = await rejection(ensureModel({ ...request(hub(), repo), weights: 'safetensors', convert: converter() }, () => {}));
    expect(error.message).toMatch(/has no model-00002-of-00002\.safetensors on localhost:\d+ \(404\)/);
    expect(await getModel(modelKey(repo, 'q4'))).toBeUndefined();
  });
});
