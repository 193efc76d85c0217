// Shown: the graph the converter builds runs on onnxruntime-node. From the forge's float
// weights it is the forge's GQA q4/q4f16 model to within arithmetic (same logits, same greedy
// tokens), so the builder emits the contract the engine runs; from Qwen's official layouts
// (bf16, GPTQ-Int4, AWQ) it is a working model close to the float one; and onnxruntime's
// MatMulNBits computes with exactly the reference-dequantized GPTQ and AWQ weights.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../scripts/forge/fixture-set.ts';
import { loadConfig, shapeOf } from '../../../scripts/forge/model-shape.ts';
import { forgeOfficial, type OfficialFormat } from '../../../scripts/forge/official.ts';
import { planParams } from '../../../scripts/forge/param-plan.ts';
import { bytesOf, writeSafetensors } from '../../../scripts/forge/safetensors-writer.ts';
import { WeightSource, dequantize } from '../../../scripts/forge/weights.ts';
import { Checkpoint } from '../../../workers/convert/checkpoint.ts';
import { GraphBuilder } from '../../../workers/convert/graph-builder.ts';
import { MS_DOMAIN } from '../../../workers/convert/onnx-writer.ts';
import { weightFormat } from '../../../workers/convert/weight-format.ts';
import type { ComputeType } from '../../../workers/convert/qwen-graph.ts';
import { fixtureModel } from '../../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS, relativeError } from '../../helpers/model-runner.ts';
import { DiskCheckpointFiles } from '../../helpers/checkpoint-files.ts';
import { convertToDisk } from '../../helpers/convert-to-disk.ts';
import { referenceWeight } from './reference-unpack.ts';

const scratch = mkdtempSync(join(tmpdir(), 'converted-graph-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config = loadConfig('tiny') as unknown as Record<string, unknown>;

/** A float32 checkpoint of the forge's weights (not a release format: the exact floats, for an exact comparison). */
function forgeFloat32(dir: string): void {
  const shape = shapeOf(loadConfig('tiny'));
  const weights = new WeightSource(1, shape);
  const tensors = planParams(shape).map((spec) => ({
    name: spec.name,
    dtype: 'F32' as const,
    shape: spec.shape,
    produce: () => bytesOf(spec.kind === 'embedding' || spec.kind === 'linear' ? dequantize(weights.matrix(spec)) : weights.vector(spec)),
  }));
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
}

async function convert(dir: string, compute: ComputeType, repoConfig = config, dataFileBytes?: number): Promise<ModelRunner> {
  const converted = await convertToDisk(dir, dir, { dtype: compute === 'float32' ? 'q4' : 'q4f16', config: repoConfig, slabBytes: 2 ** 20, dataFileBytes });
  const sizes = converted.dataFiles.map((f) => statSync(join(dir, f)).size);
  expect(converted.externalBytes).toBe(sizes.reduce((a, b) => a + b, 0));
  return ModelRunner.open('node', dir, converted.fileName);
}

async function forged(id: string): Promise<ModelRunner> {
  const f = fixtureModel(fixture(id));
  return ModelRunner.open('node', f.onnxDir, f.fileName);
}

describe('from the forge float weights', () => {
  it.each([
    ['float32', 'gqa-q4', 1e-4],
    ['float16', 'gqa-q4f16', 2e-2],
  ] as const)('compute %s equals the forge %s model: logits and 12 greedy tokens', async (compute, id, tolerance) => {
    const dir = mkdtempSync(join(scratch, 'f32-'));
    forgeFloat32(dir);
    const ours = await convert(dir, compute);
    const theirs = await forged(id);
    expect(ours.kvType).toBe(compute);
    const a = await ours.forward(PROMPT_IDS);
    const b = await theirs.forward(PROMPT_IDS);
    expect(relativeError(a.logits, b.logits)).toBeLessThan(tolerance);
    expect(await ours.greedy(PROMPT_IDS, 12)).toEqual(await theirs.greedy(PROMPT_IDS, 12));
    await Promise.all([ours.release(), theirs.release()]);
  });
});

describe('external data', () => {
  it('splits into files of at most the size asked for (2 GiB by default), a tensor never across two, with the same model', async () => {
    const dir = mkdtempSync(join(scratch, 'split-'));
    forgeFloat32(dir);
    const limit = 8 * 2 ** 20;
    const split = await convertToDisk(dir, dir, { config, dataFileBytes: limit });
    // A tensor over the limit (the fp32 embedding, the 4-bit lm_head) gets a file of its own; the
    // rest fill files up to the limit.
    const { vocab_size: vocab, hidden_size: hidden } = config as { vocab_size: number; hidden_size: number };
    expect(split.dataFiles.length).toBeGreaterThan(3);
    expect(split.dataFiles[1]).toBe('model_q4.onnx_data_1');
    for (const f of split.dataFiles) {
      const size = statSync(join(dir, f)).size;
      expect(size <= limit || size === vocab * hidden * 4 || size === (vocab * hidden) / 2, `${f}: ${size}`).toBe(true);
    }
    const runner = await ModelRunner.open('node', dir, split.fileName);
    const theirs = await forged('gqa-q4');
    expect(relativeError((await runner.forward(PROMPT_IDS)).logits, (await theirs.forward(PROMPT_IDS)).logits)).toBeLessThan(1e-4);
    await Promise.all([runner.release(), theirs.release()]);
  });
});

describe('from the official layouts', () => {
  it.each(['bf16', 'gptq', 'awq'] as const)('%s: runs, close to the float model', async (format: OfficialFormat) => {
    const { dir } = forgeOfficial({ size: 'tiny', kind: 'instruct', format, seed: 1, out: join(scratch, format) });
    const repoConfig = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const ours = await convert(dir, 'float32', repoConfig);
    const reference = await forged('gqa-fp32');
    const a = await ours.forward(PROMPT_IDS);
    const b = await reference.forward(PROMPT_IDS);
    // Re-quantizing the forge's weights in groups of 128 moves each by up to half a step, so
    // the logits move too; a wrong unpacking (order, zeros, transposition) decorrelates them.
    const r = correlation(a.logits, b.logits);
    console.log(`${format}: logits correlation ${r.toFixed(4)}, relative error ${relativeError(a.logits, b.logits).toFixed(4)} against the forge fp32 model`);
    expect(r).toBeGreaterThan(format === 'bf16' ? 0.999 : 0.9);
    await Promise.all([ours.release(), reference.release()]);
  });
});

describe('MatMulNBits as the converter feeds it', () => {
  it.each(['gptq', 'awq'] as const)('%s: onnxruntime computes x @ W^T with the reference-dequantized W, zero points included', async (format) => {
    const { dir } = forgeOfficial({ size: 'tiny', kind: 'instruct', format, seed: 1, out: join(scratch, `mm-${format}`) });
    const repoConfig = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const checkpoint = await Checkpoint.open(new DiskCheckpointFiles(dir), null);
    const prefix = 'model.layers.0.mlp.down_proj';
    const m = await checkpoint.linear(prefix, weightFormat('test/repo', repoConfig));
    // Qwen's GPTQ is symmetric (every zero 8, MatMulNBits' default); AWQ keeps a zero per group.
    expect(m.zeroPoints === null).toBe(format === 'gptq');
    const w = await referenceWeight(checkpoint, prefix, format, m.n, m.k);

    const parts: Uint8Array[] = [];
    const g = new GraphBuilder({ append: async (bytes) => void parts.push(bytes.slice()) });
    const blocks = Math.ceil(m.k / m.blockSize);
    const inputs = [
      g.input('x', 'float32', [1, m.k]),
      await g.tensor('B', 'uint8', [m.n, blocks, m.blockSize / 2], m.packed),
      await g.tensor('scales', 'float32', [m.n * blocks], new Uint8Array(m.scales.buffer)),
    ];
    if (m.zeroPoints) inputs.push(await g.tensor('zp', 'uint8', [m.zeroPoints.byteLength], m.zeroPoints));
    g.node('MatMulNBits', 'mm', inputs, { attrs: { K: m.k, N: m.n, bits: 4, block_size: m.blockSize }, domain: MS_DOMAIN, outputs: ['y'] });
    g.output('y', 'float32', [1, m.n]);
    writeFileSync(join(dir, 'mm.onnx'), g.encode('mm.onnx', { name: 'test', version: '1' }));
    writeFileSync(join(dir, 'mm.onnx_data'), Buffer.concat(parts));
    const session = await ort.InferenceSession.create(join(dir, 'mm.onnx'));
    const x = Float32Array.from({ length: m.k }, (_, i) => Math.sin(i * 0.37));
    const y = (await session.run({ x: new ort.Tensor('float32', x, [1, m.k]) }))['y']!.data as Float32Array;
    const expected = new Float32Array(m.n);
    for (let row = 0; row < m.n; row++) for (let i = 0; i < m.k; i++) expected[row]! += x[i]! * w[row * m.k + i]!;
    expect(relativeError(y, expected)).toBeLessThan(1e-5);
    await session.release();
  });
});

function correlation(a: Float32Array, b: Float32Array): number {
  let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    sa += a[i]!;
    sb += b[i]!;
    saa += a[i]! * a[i]!;
    sbb += b[i]! * b[i]!;
    sab += a[i]! * b[i]!;
  }
  const n = a.length;
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}
