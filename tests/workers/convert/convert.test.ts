// Shown: Qwen's official checkpoint layouts (bf16, GPTQ-Int4, AWQ; one file and sharded), as
// the forge writes them from its float weights, convert to MatMulNBits weights that dequantize
// to those float weights within the quantization grid; the GPTQ and AWQ conversions equal an
// unpacking written here from the formats' own dequantize code (AutoGPTQ's shifts over the
// int32 words, GPTQModel's AWQ reverse order), independent of the converter's; round-to-nearest
// of the forge's weights rebuilds the forge's own q4 bytes; bad files and formats are refused
// with messages that say what to do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeOfficial, type OfficialFormat } from '../../../scripts/forge/official.ts';
import { RELEASE_GROUP_SIZE as GROUP_SIZE } from '../../../workers/protocol/model-size.ts';
import { loadConfig, shapeOf } from '../../../scripts/forge/model-shape.ts';
import { planParams } from '../../../scripts/forge/param-plan.ts';
import { WeightSource, dequantize } from '../../../scripts/forge/weights.ts';
import { Checkpoint } from '../../../workers/convert/checkpoint.ts';
import { SAFETENSORS_INDEX } from '../../../workers/store/model-files.ts';
import { gptqToQ4 } from '../../../workers/convert/gptq.ts';
import { quantizeRtn, type Q4Matrix } from '../../../workers/convert/q4-matrix.ts';
import { toFloat32 } from '../../../workers/convert/float-bits.ts';
import { weightFormat, type WeightFormat } from '../../../workers/convert/weight-format.ts';
import { EngineError } from '../../../workers/protocol/errors.ts';
import { DiskCheckpointFiles } from '../../helpers/checkpoint-files.ts';
import { referenceWeight } from './reference-unpack.ts';

const scratch = mkdtempSync(join(tmpdir(), 'convert-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const shape = shapeOf(loadConfig('tiny'));
const plan = planParams(shape);
const linears = plan.filter((p) => p.kind === 'linear');
const forged = new WeightSource(1, shape);

interface Repo {
  dir: string;
  files: DiskCheckpointFiles;
  checkpoint: Checkpoint;
  format: WeightFormat;
}

async function open(format: OfficialFormat, shardBytes?: number): Promise<Repo> {
  const { repo, dir } = forgeOfficial({ size: 'tiny', kind: 'instruct', format, seed: 1, out: join(scratch, `${format}-${shardBytes ?? 'one'}`), shardBytes });
  const files = new DiskCheckpointFiles(dir);
  const index = shardBytes ? (JSON.parse(readFileSync(join(dir, SAFETENSORS_INDEX), 'utf8')) as unknown) : null;
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  return { dir, files, checkpoint: await Checkpoint.open(files, index), format: weightFormat(repo, config) };
}

/**
 * MatMulNBits' dequantization as its spec states it, element by element: [n, k] row-major, and
 * the distance from any value to the nearest point of an element's block grid (q - zero) * scale.
 */
function dequantizeNBits(m: Q4Matrix): { values: Float32Array; gridDistance: (row: number, col: number, v: number) => number } {
  const blocks = Math.ceil(m.k / m.blockSize);
  const rowBytes = (blocks * m.blockSize) / 2;
  const zeroOf = (row: number, b: number): number => (m.zeroPoints ? (m.zeroPoints[row * Math.ceil(blocks / 2) + Math.floor(b / 2)]! >> (4 * (b % 2))) & 15 : 8);
  const values = new Float32Array(m.n * m.k);
  for (let row = 0; row < m.n; row++) {
    for (let col = 0; col < m.k; col++) {
      const b = Math.floor(col / m.blockSize);
      const q = (m.packed[row * rowBytes + Math.floor(col / 2)]! >> (4 * (col % 2))) & 15;
      values[row * m.k + col] = (q - zeroOf(row, b)) * m.scales[row * blocks + b]!;
    }
  }
  const gridDistance = (row: number, col: number, v: number): number => {
    const b = Math.floor(col / m.blockSize);
    const scale = m.scales[row * blocks + b]!;
    let best = Infinity;
    for (let q = 0; q < 16; q++) best = Math.min(best, Math.abs((q - zeroOf(row, b)) * scale - v));
    return best;
  };
  return { values, gridDistance };
}

describe.each([
  ['bf16', undefined],
  ['gptq', undefined],
  ['awq', undefined],
  ['gptq', 8 * 2 ** 20],
] as const)('%s checkpoint (shards of %s bytes)', (format, shardBytes) => {
  let repo: Repo;
  beforeAll(async () => {
    repo = await open(format, shardBytes);
  });

  it('reads its format from config.json', () => {
    expect(repo.format).toEqual(format === 'bf16' ? { kind: 'float' } : format === 'gptq' ? { kind: 'gptq', groupSize: GROUP_SIZE, zerosStoredMinusOne: true } : { kind: 'awq', groupSize: GROUP_SIZE });
  });

  it('every linear layer dequantizes to the forge float weights within the quantization grid', async () => {
    for (const spec of linears) {
      const m = await repo.checkpoint.linear(spec.name.replace(/\.weight$/, ''), repo.format);
      const [n, k] = spec.shape as [number, number];
      expect([m.n, m.k, m.blockSize]).toEqual([n, k, format === 'bf16' ? 32 : GROUP_SIZE]);
      const truth = dequantize(forged.matrix(spec));
      const { values, gridDistance } = dequantizeNBits(m);
      let worst = 0;
      for (let row = 0; row < n; row++) {
        for (let col = 0; col < k; col++) {
          const i = row * k + col;
          // The nearest point of the block's grid, give or take bf16's rounding of the stored value.
          const slack = format === 'bf16' ? Math.abs(truth[i]!) * 2 ** -8 : 0;
          worst = Math.max(worst, Math.abs(values[i]! - truth[i]!) - gridDistance(row, col, truth[i]!) - slack);
        }
      }
      expect(worst, spec.name).toBeLessThanOrEqual(1e-7);
      // Not trivially within the grid: a zero weight or a huge scale would fail this.
      expect(values.some((v) => v !== 0)).toBe(true);
    }
  });

  it('reads one tensor at a time, never a whole file', () => {
    const largestTensor = Math.max(...plan.map((p) => p.shape.reduce((a, b) => a * b, 1))) * 2;
    expect(repo.files.largestRead).toBeLessThanOrEqual(largestTensor);
  });

  it('keeps embeddings, norms and biases as stored', async () => {
    for (const name of ['model.layers.1.post_attention_layernorm.weight', 'model.layers.1.self_attn.k_proj.bias']) {
      const stored = await repo.checkpoint.floats(name);
      const truth = forged.vector(plan.find((p) => p.name === name)!);
      // fp16 holds the forge's vectors exactly; bf16 to half its 2^-7 step, relative.
      truth.forEach((v, i) => expect(Math.abs(stored[i]! - v), name).toBeLessThanOrEqual(format === 'bf16' ? Math.abs(v) * 2 ** -8 : 0));
    }
    expect(repo.checkpoint.entry('model.embed_tokens.weight').shape).toEqual([shape.vocab, shape.hidden]);
  });
});

describe.each([
  ['gptq', undefined],
  ['awq', undefined],
  ['gptq', 8 * 2 ** 20],
] as const)('%s checkpoint (shards of %s bytes), against its format\'s own dequantization', (format, shardBytes) => {
  it('equals the reference unpacking, bit for bit', async () => {
    const repo = await open(format, shardBytes);
    const c = repo.checkpoint;
    for (const spec of linears) {
      const prefix = spec.name.replace(/\.weight$/, '');
      const [n, k] = spec.shape as [number, number];
      const reference = await referenceWeight(c, prefix, format, n, k, GROUP_SIZE);
      const { values } = dequantizeNBits(await c.linear(prefix, repo.format));
      expect(Buffer.from(values.buffer).equals(Buffer.from(reference.buffer)), prefix).toBe(true);
    }
  });
});

describe('round-to-nearest', () => {
  it("rebuilds the forge's own q4 bytes and scales from its float weights (the onnx-community rule)", () => {
    for (const spec of linears.slice(0, 7)) {
      const m = forged.matrix(spec);
      const q = quantizeRtn(dequantize(m), m.rows, m.cols);
      expect(Buffer.from(q.packed).equals(Buffer.from(m.packed)), spec.name).toBe(true);
      expect(Array.from(q.scales)).toEqual(Array.from(m.scales));
      expect(q.zeroPoints).toBeNull();
    }
  });

  it('reads bf16 as the top half of float32', () => {
    expect(Array.from(toFloat32('BF16', Uint8Array.of(0x80, 0x3f, 0x20, 0xc0)))).toEqual([1, -2.5]);
  });
});

describe('refusals', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      return `${(e as EngineError).code}: ${(e as EngineError).message}`;
    }
    throw new Error('did not throw');
  };

  it('act-order GPTQ (a g_idx that is not row / group) names desc_act and what to use instead', () => {
    const n = 8;
    const k = 256;
    const gIdx = Int32Array.from({ length: k }, (_, i) => (i % 2 === 0 ? 0 : 1));
    const tensors = { qweight: new Int32Array((k / 8) * n), qzeros: new Int32Array(2), scales: new Float32Array(2 * n), gIdx };
    expect(code(() => gptqToQ4(tensors, { name: 'layer', n, k, groupSize: 128, zerosStoredMinusOne: true }))).toMatch(/model_files_invalid.*desc_act.*AWQ release/);
  });

  it.each([
    [{ quant_method: 'gptq', bits: 8, group_size: 128 }, /8-bit GPTQ.*-GPTQ-Int4 or -AWQ/],
    [{ quant_method: 'awq', bits: 4, group_size: 128, version: 'gemv' }, /gemv kernel/],
    [{ quant_method: 'bitsandbytes', load_in_4bit: true }, /bitsandbytes/],
    [{ quant_method: 'gptq', bits: 4, group_size: -1 }, /per-channel/],
  ])('quantization_config %j', (q, message) => {
    expect(code(() => weightFormat('Qwen/X', { quantization_config: q }))).toMatch(message);
  });

  it.each([
    ['an HTML error page', new TextEncoder().encode('<!doctype html><html>Repository not found</html>'), /not a safetensors header/],
    ['an LFS pointer', new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 5\n'), /not a safetensors header/],
  ])('a model.safetensors that is %s', async (_, bytes, message) => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    await expect(Checkpoint.open(new DiskCheckpointFiles(dir), null)).rejects.toThrow(message);
  });

  it('a shard cut short is refused before any tensor is read', async () => {
    const repo = await open('awq');
    const whole = readFileSync(join(repo.dir, 'model.safetensors'));
    writeFileSync(join(repo.dir, 'model.safetensors'), whole.subarray(0, whole.byteLength - 1000));
    await expect(Checkpoint.open(new DiskCheckpointFiles(repo.dir), null)).rejects.toThrow(/ends past the end of the file/);
  });
});
