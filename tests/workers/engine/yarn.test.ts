// YaRN on the rotary embedding, checked against an implementation written here from the
// formula (Peng et al. 2023; transformers' `_compute_yarn_parameters`), never the rewrite's
// own code: the Optimum graphs' run-time cos/sin, the GQA graphs' tables, and logits at
// positions past 32,768 against a reference graph with YaRN put in by this test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { forge } from '../../../scripts/forge/forge.ts';
import { applyYarn } from '../../../workers/engine/graph-rewrite/yarn.ts';
import { yarnFromConfig, yarnInverseFrequencies, type YarnRope } from '../../../workers/engine/graph-rewrite/yarn-rope.ts';
import { FIXTURES, fixtureModel, type FixtureSpec } from '../../helpers/fixtures.ts';
import { relativeError } from '../../helpers/model-runner.ts';
import { decodeModel, encodeModel, floatValues, onnx, type Model } from '../../helpers/onnx-model.ts';

// ---- The reference: YaRN from the paper's definitions -------------------------------------

interface ReferenceYarn {
  invFreq: number[];
  mscale: number;
  /** The ramp's ends: dimensions below `low` keep their frequency, from `high` on it is divided by the factor. */
  low: number;
  high: number;
}

function referenceYarn(theta: number, dim: number, factor = 4, originalContext = 32768, betaFast = 32, betaSlow = 1): ReferenceYarn {
  // Wavelength of dimension pair i is 2*pi*theta^(2i/dim); solve "turns r times in the
  // original context" for i: originalContext / (2*pi*theta^(2i/dim)) = r.
  const pairTurning = (r: number): number => (Math.log(originalContext / (2 * Math.PI * r)) / Math.log(theta)) * (dim / 2);
  const low = Math.max(0, Math.floor(pairTurning(betaFast)));
  const high = Math.min(dim - 1, Math.ceil(pairTurning(betaSlow)));
  const invFreq: number[] = [];
  for (let i = 0; i < dim / 2; i++) {
    const base = Math.pow(theta, -(2 * i) / dim);
    const interpolate = Math.min(1, Math.max(0, (i - low) / (high - low)));
    invFreq.push(interpolate * (base / factor) + (1 - interpolate) * base);
  }
  return { invFreq, mscale: 1 + 0.1 * Math.log(factor), low, high };
}

/** cos or sin of one rotary position, dimension j of head_dim (the table repeats for the two halves), angle in fp32. */
function referenceTrig(ref: ReferenceYarn, fn: 'cos' | 'sin', position: number, j: number): number {
  const angle = Math.fround(position * Math.fround(ref.invFreq[j % ref.invFreq.length]!));
  return Math[fn](angle) * ref.mscale;
}

// ---- Fixtures --------------------------------------------------------------------------------

const spec = (id: string): FixtureSpec => FIXTURES.find((f) => f.id === id)!;
const bytesOf = (id: string): Uint8Array => {
  const model = fixtureModel(spec(id));
  return new Uint8Array(readFileSync(join(model.onnxDir, model.fileName)));
};
const config = JSON.parse(readFileSync(join(fixtureModel(spec('optimum-q4')).dir, 'config.json'), 'utf8')) as Record<string, unknown>;
const TINY_HEAD_DIM = 32;
const REFERENCE = referenceYarn(1e6, TINY_HEAD_DIM);

function tinyRope(): YarnRope {
  const support = yarnFromConfig(config);
  if (!support.supported) throw new Error(support.reason);
  return support.rope;
}

function rewritten(id: string): Uint8Array {
  const result = applyYarn(bytesOf(id), tinyRope());
  if (!result.rewritten) throw new Error(result.reason);
  return result.model;
}

// ---- Parameters ------------------------------------------------------------------------------

describe('YaRN parameters', () => {
  it("the reference's ramp ends, worked out by hand (theta 1e6, 32K original context)", () => {
    // head_dim 32: pairs turning 32x -> 5.90 (floor 5), once -> 9.91 (ceil 10); head_dim 64: 11.80 -> 11, 19.83 -> 20.
    expect([REFERENCE.low, REFERENCE.high]).toEqual([5, 10]);
    const half = referenceYarn(1e6, 64);
    expect([half.low, half.high]).toEqual([11, 20]);
    expect(REFERENCE.mscale).toBeCloseTo(1.138629, 6);
  });

  it("a Qwen2.5 config without rope_scaling gets Qwen's recommended YaRN: factor 4, 131,072 tokens", () => {
    expect(yarnFromConfig(config)).toEqual({
      supported: true,
      rope: { theta: 1e6, headDim: TINY_HEAD_DIM, factor: 4, originalContext: 32768, betaFast: 32, betaSlow: 1, attentionFactor: REFERENCE.mscale, contextTokens: 131072 },
    });
  });

  it.each([64, 128, TINY_HEAD_DIM])('head_dim %i: the frequencies equal the reference', (headDim) => {
    const ours = yarnInverseFrequencies({ ...tinyRope(), headDim });
    const reference = referenceYarn(1e6, headDim).invFreq;
    expect(ours.length).toBe(reference.length);
    ours.forEach((f, i) => expect(Math.abs(f - reference[i]!) / reference[i]!).toBeLessThan(1e-12));
  });

  it("the config's own yarn rope_scaling is followed; other scalings and fields are refused", () => {
    const withScaling = (rope_scaling: unknown) => yarnFromConfig({ ...config, rope_scaling });
    const two = withScaling({ type: 'yarn', factor: 2, original_max_position_embeddings: 16384 });
    expect(two.supported && [two.rope.contextTokens, two.rope.attentionFactor]).toEqual([32768, 1 + 0.1 * Math.log(2)]);
    expect(withScaling({ rope_type: 'linear', factor: 2 }).supported).toBe(false);
    expect(withScaling({ type: 'yarn', factor: 4, mscale_all_dim: 1 }).supported).toBe(false);
    expect(yarnFromConfig({ ...config, model_type: 'llama' }).supported).toBe(false);
  });
});

// ---- The rewritten graphs --------------------------------------------------------------------

const POSITIONS = [0, 1, 1000, 32767, 32768, 65536, 100_000, 131_071];

describe('Optimum graphs: cos/sin computed at run time', () => {
  it.each(['optimum-fp32', 'optimum-q4', 'optimum-q4f16'])('%s: cos and sin at positions up to 131,071 equal the reference', async (id) => {
    const result = applyYarn(bytesOf(id), tinyRope());
    expect(result.rewritten && result.form).toBe('inv_freq');
    if (!result.rewritten) return;
    // Expose the scaled cos/sin (the outputs of the Muls the rewrite added) as graph outputs.
    const model = decodeModel(result.model);
    const scaled = model.graph!.node!.filter((n) => n.name!.startsWith('qwen_local/yarn/'));
    expect(scaled.map((n) => n.opType)).toEqual(['Mul', 'Mul']);
    const producer = (name: string): string => model.graph!.node!.find((c) => c.output!.includes(name))!.opType!;
    const names = Object.fromEntries(scaled.map((n) => [producer(n.input![0]!).toLowerCase(), n.output![0]!]));
    for (const name of Object.values(names)) model.graph!.output!.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
    const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
    const out = await session.run({ ...emptyPast(session), ...tokens(POSITIONS.length, POSITIONS) }, Object.values(names));
    let fromPlainRope = 0;
    for (const fn of ['cos', 'sin'] as const) {
      const values = out[names[fn]!]!.data as Float32Array;
      expect(values.length).toBe(POSITIONS.length * TINY_HEAD_DIM);
      POSITIONS.forEach((position, p) => {
        for (let j = 0; j < TINY_HEAD_DIM; j++) {
          const value = values[p * TINY_HEAD_DIM + j]!;
          expect(Math.abs(value - referenceTrig(REFERENCE, fn, position, j))).toBeLessThan(1e-5);
          fromPlainRope = Math.max(fromPlainRope, Math.abs(value - Math[fn](position * 1e6 ** (-(2 * (j % 16)) / TINY_HEAD_DIM))));
        }
      });
    }
    expect(fromPlainRope).toBeGreaterThan(0.1);
    await session.release();
  });
});

describe('GQA graphs: cos_cache and sin_cache tables', () => {
  it.each(['gqa-fp32', 'gqa-q4', 'gqa-q4f16'])('%s: 131,072-row tables equal the reference; the attention nodes read them', (id) => {
    const result = applyYarn(bytesOf(id), tinyRope());
    expect(result.rewritten && result.form).toBe('cos_sin_cache');
    if (!result.rewritten) return;
    const graph = decodeModel(result.model).graph!;
    const tolerance = id.endsWith('q4f16') ? 1.5e-3 : 1e-6;
    for (const [name, fn] of [['cos_cache', 'cos'], ['sin_cache', 'sin']] as const) {
      const tables = graph.initializer!.filter((t) => t.name === name);
      expect(tables.length).toBe(1);
      expect(tables[0]!.dims!.map(Number)).toEqual([131072, TINY_HEAD_DIM / 2]);
      const values = floatValues(tables[0]!);
      for (const position of POSITIONS) {
        for (let j = 0; j < TINY_HEAD_DIM / 2; j++) expect(Math.abs(values[position * 16 + j]! - referenceTrig(REFERENCE, fn, position, j))).toBeLessThan(tolerance);
      }
    }
    const attention = graph.node!.filter((n) => n.opType === 'GroupQueryAttention');
    expect(attention.length).toBe(4);
    for (const node of attention) expect(node.input!.slice(7, 9)).toEqual(['cos_cache', 'sin_cache']);
  });
});

describe('logits past the original context', () => {
  const PAST = 40_000;
  const reference = async (): Promise<ort.InferenceSession> => ort.InferenceSession.create(encodeModel(withReferenceYarn(decodeModel(bytesOf('optimum-fp32')))), { intraOpNumThreads: 1 });
  const tmp = mkdtempSync(join(tmpdir(), 'yarn-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('both rewritten fp32 variants compute what the reference YaRN graph does, 40,000 tokens in; the plain graph does not', async () => {
    const expected = await logitsAfterPast(await reference(), PAST);
    const optimum = await logitsAfterPast(await ort.InferenceSession.create(rewritten('optimum-fp32'), { intraOpNumThreads: 1 }), PAST);
    const gqa = await logitsAfterPast(await ort.InferenceSession.create(rewritten('gqa-fp32'), { intraOpNumThreads: 1 }), PAST);
    const plain = await logitsAfterPast(await ort.InferenceSession.create(bytesOf('optimum-fp32'), { intraOpNumThreads: 1 }), PAST);
    expect(relativeError(optimum, expected)).toBeLessThan(1e-4);
    expect(relativeError(gqa, expected)).toBeLessThan(1e-4);
    expect(relativeError(plain, expected)).toBeGreaterThan(1e-2);
  });

  it('a GQA build with its tables in external data is rewritten too, and computes what the inline one does', async () => {
    const forged = forge({ size: 'tiny', variant: 'gqa', dtype: 'q4', kind: 'instruct', seed: 1, out: tmp, externalChunkBytes: 32 * 2 ** 20 });
    const onnxDir = join(forged.dir, 'onnx');
    const result = applyYarn(new Uint8Array(readFileSync(join(onnxDir, 'model_q4.onnx'))), tinyRope());
    expect(result.rewritten).toBe(true);
    if (!result.rewritten) return;
    // External data is found next to the model file.
    writeFileSync(join(onnxDir, 'model_yarn.onnx'), result.model);
    const external = await logitsAfterPast(await ort.InferenceSession.create(join(onnxDir, 'model_yarn.onnx'), { intraOpNumThreads: 1 }), PAST);
    const inline = await logitsAfterPast(await ort.InferenceSession.create(rewritten('gqa-q4'), { intraOpNumThreads: 1 }), PAST);
    expect(relativeError(external, inline)).toBeLessThan(1e-5);
  });
});

describe('graphs the rewrite does not recognise', () => {
  it('are left byte for byte as they were, with the reason', () => {
    for (const id of ['optimum-q4', 'gqa-q4']) {
      const bytes = bytesOf(id);
      const copy = bytes.slice();
      const result = applyYarn(bytes, { ...tinyRope(), theta: 10_000 });
      expect(result).toEqual({ rewritten: false, reason: expect.stringContaining('10000') });
      expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
    }
  });
});

// ---- Helpers ---------------------------------------------------------------------------------

/** The original Optimum graph with YaRN put in by hand: reference inv_freq, and cos/sin times mscale. */
function withReferenceYarn(model: Model): Model {
  const graph = model.graph!;
  const invFreq = graph.initializer!.find((t) => t.name === '/model/rotary_emb/inv_freq')!;
  invFreq.rawData = new Uint8Array(Float32Array.from(REFERENCE.invFreq).buffer);
  graph.initializer!.push({ name: 'reference/mscale', dataType: onnx.TensorProto.DataType.FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(REFERENCE.mscale).buffer) });
  for (const node of graph.node!.filter((n) => n.opType === 'Cos' || n.opType === 'Sin')) {
    const output = node.output![0]!;
    node.output = [`${output}/unscaled`];
    graph.node!.push({ opType: 'Mul', name: `reference/${output}`, input: [`${output}/unscaled`, 'reference/mscale'], output: [output] });
  }
  return model;
}

function emptyPast(session: ort.InferenceSession): Record<string, ort.Tensor> {
  return pastOf(session, 0, () => 0);
}

/** past_key_values.* of `length` tokens, filled by `value` (float32 KV; float16 only empty). */
function pastOf(session: ort.InferenceSession, length: number, value: () => number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'))) {
    const half = meta.isTensor && meta.type === 'float16';
    if (half && length > 0) throw new Error('random float16 KV is not needed here');
    const data = half ? new Uint16Array(0) : Float32Array.from({ length: 2 * length * TINY_HEAD_DIM }, value);
    feeds[meta.name] = new ort.Tensor(half ? 'float16' : 'float32', data, [1, 2, length, TINY_HEAD_DIM]);
  }
  return feeds;
}

/** input_ids, attention_mask over past + new, position_ids = `positions` (when the graph takes them). */
function tokens(count: number, positions: number[], past = 0): Record<string, ort.Tensor> {
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: count }, (_, i) => BigInt(151644 + (i % 3))), [1, count]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(past + count).fill(1n), [1, past + count]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, count]),
  };
}

/** The logits of three tokens after a seeded random cache of `past` tokens (positions past, past+1, past+2). */
async function logitsAfterPast(session: ort.InferenceSession, past: number): Promise<Float32Array> {
  let seed = 12345;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  };
  const feeds = { ...pastOf(session, past, random), ...tokens(3, [past, past + 1, past + 2], past) };
  if (!session.inputNames.includes('position_ids')) delete feeds['position_ids'];
  try {
    return (await session.run(feeds, ['logits']))['logits']!.data as Float32Array;
  } finally {
    await session.release();
  }
}
