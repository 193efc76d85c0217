// The load-time split (workers/engine/split): a forged model cut into stages, with its embedding
// table and lm_head split by rows, or its 4-bit weights unpacked to float32, gives the whole
// model's logits and greedy tokens when the stages run one after another on onnxruntime-node,
// each keeping its own layers' KV cache.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readOnnxModel } from '../../../workers/engine/split/onnx-model.ts';
import { splitModel } from '../../../workers/engine/split/split-model.ts';
import { GRAPH_BYTES, type StageGraph } from '../../../workers/engine/split/stage-graphs.ts';
import { stageFileBytes, unpackTransposed } from '../../../workers/engine/split/unpack-weights.ts';
import { Random } from '../../../scripts/forge/random.ts';
import { meaninglessNodeNames } from '../../../scripts/forge/rename-nodes.ts';
import { dequantizeTransposed } from '../../../scripts/forge/weights.ts';
import { FIXTURES, fixtureModel, tolerance, type FixtureModel } from '../../helpers/fixtures.ts';
import { argmax, ModelRunner, PROMPT_IDS, relativeError } from '../../helpers/model-runner.ts';

const MIB = 2 ** 20;
const LAYERS = 4;

/** The stages as sessions, each with the KV of its layers, fed in order. */
interface RunningStage {
  graph: StageGraph;
  session: ort.InferenceSession;
  past: Record<string, ort.Tensor>;
}

class StagedRunner {
  readonly #stages: RunningStage[];
  #length = 0;

  private constructor(stages: RunningStage[]) {
    this.#stages = stages;
  }

  static async open(fixture: FixtureModel, graphs: StageGraph[]): Promise<StagedRunner> {
    const stored = new Map(readdirSync(fixture.onnxDir).map((f) => [f, readFileSync(join(fixture.onnxDir, f))]));
    stored.set(GRAPH_BYTES, stored.get(fixture.fileName)!);
    const stages: RunningStage[] = [];
    for (const graph of graphs) {
      // Each stage file is made of ranges of the stored external data files.
      const slice = (p: { location: string; offset: number; length: number }) => stored.get(p.location)!.subarray(p.offset, p.offset + p.length);
      const externalData = [];
      for (const file of graph.files) {
        externalData.push({ path: file.path, data: await stageFileBytes(file.parts, async (p) => slice(p)) });
      }
      const session = await ort.InferenceSession.create(graph.model, { intraOpNumThreads: 1, externalData });
      stages.push({ graph, session, past: {} });
    }
    return new StagedRunner(stages);
  }

  async forward(ids: number[]): Promise<Float32Array> {
    const total = this.#length + ids.length;
    const named: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(this.#length + i))), [1, ids.length]),
    };
    for (const stage of this.#stages) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of stage.graph.inputs) {
        if (name.startsWith('past_key_values.')) feeds[name] = stage.past[name] ?? emptyKv(stage.session, name);
        else feeds[name] = named[name]!;
      }
      const out = await stage.session.run(feeds);
      for (const [name, tensor] of Object.entries(out)) {
        if (name.startsWith('present.')) stage.past[name.replace('present.', 'past_key_values.')] = tensor;
        else named[name] = tensor;
      }
    }
    this.#length = total;
    return named['logits']!.data as Float32Array;
  }
}

function emptyKv(session: ort.InferenceSession, name: string): ort.Tensor {
  const meta = session.inputMetadata.find((m) => m.name === name)!;
  if (!meta.isTensor) throw new Error(name);
  const type = meta.type as 'float32' | 'float16';
  return new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, meta.shape[1] as number, 0, meta.shape[3] as number]);
}

async function compare(fixture: FixtureModel, graphs: StageGraph[]): Promise<void> {
  const whole = await ModelRunner.open('node', fixture.onnxDir, fixture.fileName);
  const staged = await StagedRunner.open(fixture, graphs);
  let reference = await whole.forward(PROMPT_IDS);
  let logits = await staged.forward(PROMPT_IDS);
  for (let step = 0; step < 4; step++) {
    expect(relativeError(logits, reference.logits)).toBeLessThan(tolerance(fixture.spec));
    const vocab = reference.vocab;
    const next = argmax(reference.logits.subarray(reference.logits.length - vocab));
    expect(argmax(logits.subarray(logits.length - vocab))).toBe(next);
    reference = await whole.forward([next], reference.cache);
    logits = await staged.forward([next]);
  }
  await whole.release();
}

const spec = (id: string) => fixtureModel(FIXTURES.find((f) => f.id === id)!);
const bytesOf = (f: FixtureModel) => new Uint8Array(readFileSync(join(f.onnxDir, f.fileName)));

describe('split into stages', () => {
  it('leaves a model that fits alone', () => {
    expect(splitModel(bytesOf(spec('optimum-q4')), { layers: LAYERS, stageBytes: 2 ** 30, pieceBytes: 2 ** 30, unpackBytes: 0 })).toBeNull();
  });

  for (const id of ['optimum-q4', 'gqa-q4', 'optimum-q4f16', 'optimum-q4-external']) {
    it(`${id}: three stages give the whole model's logits and tokens`, async () => {
      const fixture = spec(id);
      const graphs = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: 2 ** 30, pieceBytes: 2 ** 30, stages: 3, unpackBytes: 0 })!;
      expect(graphs).toHaveLength(3);
      // Consecutive layer ranges from 0 to the last layer, none empty.
      expect(graphs[0]!.layers[0]).toBe(0);
      for (let i = 1; i < graphs.length; i++) expect(graphs[i]!.layers[0]).toBe(graphs[i - 1]!.layers[1]);
      expect(graphs.at(-1)!.layers[1]).toBe(LAYERS);
      for (const g of graphs) expect(g.layers[1]).toBeGreaterThan(g.layers[0]);
      expect(graphs[0]!.inputs).toContain('input_ids');
      expect(graphs.at(-1)!.outputs).toContain('logits');
      // Every layer's KV lives in exactly one stage.
      for (let layer = 0; layer < LAYERS; layer++) {
        expect(graphs.filter((g) => g.outputs.includes(`present.${layer}.key`))).toHaveLength(1);
      }
      await compare(fixture, graphs);
    });
  }

  it('splits an embedding table and lm_head larger than a piece by rows, with the same results', async () => {
    const fixture = spec('optimum-q4-external');
    const graphs = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: 2 ** 30, pieceBytes: 8 * MIB, unpackBytes: 0 })!;
    expect(graphs).toHaveLength(1);
    expect(graphs[0]!.splitTensors).toEqual(expect.arrayContaining(['model.embed_tokens.weight', 'lm_head.MatMul.weight_Q4']));
    for (const file of graphs[0]!.files) expect(file.parts.reduce((s, p) => s + p.length, 0)).toBeLessThanOrEqual(8 * MIB);
    await compare(fixture, graphs);
  });

  it('splits by a weight budget into the fewest stages', () => {
    const fixture = spec('optimum-q4');
    // The 78 MB embedding table is one stage's alone; the 4 layers and the lm_head (12 MB) fit 16 MB.
    const graphs = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: 16 * MIB, pieceBytes: 2 ** 30, unpackBytes: 0 })!;
    expect(graphs.length).toBeGreaterThan(1);
    for (const g of graphs.slice(1)) expect(g.weightBytes).toBeLessThanOrEqual(16 * MIB);
    for (let i = 1; i < graphs.length; i++) expect(graphs[i]!.layers[0]).toBe(graphs[i - 1]!.layers[1]);
    expect(graphs.at(-1)!.layers[1]).toBe(LAYERS);
    console.log(`[figures] tiny q4 split by a 16 MiB budget: ${graphs.map((g) => `layers ${g.layers.join('-')} ${(g.weightBytes / MIB).toFixed(1)} MiB`).join(', ')}`);
  });
});

describe('a graph whose node names say nothing', () => {
  for (const id of ['optimum-q4', 'gqa-q4']) {
    it(`${id}: stages by the KV each layer touches, split and unpacked, give the whole model's logits and tokens`, async () => {
      const fixture = spec(id);
      const model = meaninglessNodeNames(bytesOf(fixture));
      expect(readOnnxModel(model).nodes.filter((n) => n.layer !== null)).toHaveLength(0);
      const graphs = splitModel(model, { layers: LAYERS, stageBytes: 2 ** 30, pieceBytes: 2 ** 30, stages: 3, unpackBytes: 2 ** 30 })!;
      expect(graphs.map((g) => g.layers)).toHaveLength(3);
      for (let layer = 0; layer < LAYERS; layer++) {
        expect(graphs.filter((g) => g.inputs.includes(`past_key_values.${layer}.key`) && g.outputs.includes(`present.${layer}.key`))).toHaveLength(1);
      }
      expect(graphs.reduce((sum, g) => sum + g.unpackedBytes, 0)).toBeGreaterThan(0);
      await compare(fixture, graphs);
    });
  }
});

describe('4-bit weights unpacked to float32', () => {
  const GIB = 2 ** 30;
  const matMulNBits = (g: StageGraph) => new TextDecoder('latin1').decode(g.model).split('MatMulNBits').length - 1;

  it('unpacks to the values the forge quantized, transposed to MatMul layout', () => {
    // 40 rows: not a multiple of the 16 unpacked at once.
    const random = new Random(7, 'unpack');
    const m = {
      rows: 40,
      cols: 96,
      packed: Uint8Array.from({ length: (40 * 96) / 2 }, () => Math.floor(random.uniform() * 256)),
      scales: Float32Array.from({ length: (40 * 96) / 32 }, () => random.normal() * 0.01),
    };
    expect(unpackTransposed(m.packed, m.scales, { k: 96, n: 40, blockSize: 32 })).toEqual(dequantizeTransposed(m));
  });

  it('a stage file holds the unpacked values where they fall, on a 4-byte boundary or not', async () => {
    const random = new Random(11, 'stage file');
    const m = {
      rows: 40,
      cols: 96,
      packed: Uint8Array.from({ length: (40 * 96) / 2 }, () => Math.floor(random.uniform() * 256)),
      scales: Float32Array.from({ length: (40 * 96) / 32 }, () => random.normal() * 0.01),
    };
    const expected = new Uint8Array(dequantizeTransposed(m).buffer);
    // One stored file: 3 odd bytes, the packed weight, then the scales at an odd offset.
    const stored = new Uint8Array(3 + m.packed.length + m.scales.byteLength);
    stored.set([1, 2, 3]);
    stored.set(m.packed, 3);
    stored.set(new Uint8Array(m.scales.buffer), 3 + m.packed.length);
    const read = async (p: { offset: number; length: number }): Promise<Uint8Array> => stored.subarray(p.offset, p.offset + p.length);
    const unpacked = {
      unpack: { weight: { location: 'data', offset: 3, length: m.packed.length }, scales: { location: 'data', offset: 3 + m.packed.length, length: m.scales.byteLength }, k: 96, n: 40, blockSize: 32 },
      length: expected.length,
    };
    for (const before of [0, 3, 4]) {
      const bytes = await stageFileBytes([{ location: 'data', offset: 0, length: before }, unpacked, { location: 'data', offset: 0, length: 3 }], read);
      expect(bytes.length).toBe(before + expected.length + 3);
      expect(Buffer.compare(bytes.subarray(0, before), stored.subarray(0, before))).toBe(0);
      expect(Buffer.compare(bytes.subarray(before, before + expected.length), expected)).toBe(0);
      expect([...bytes.subarray(before + expected.length)]).toEqual([1, 2, 3]);
    }
  });

  for (const id of ['optimum-q4', 'gqa-q4', 'optimum-q4-external']) {
    it(`${id}: every MatMulNBits unpacked gives the whole model's logits and tokens`, async () => {
      const fixture = spec(id);
      const graphs = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: GIB, pieceBytes: GIB, unpackBytes: GIB })!;
      expect(graphs).toHaveLength(1);
      expect(matMulNBits(graphs[0]!)).toBe(0);
      // Every MatMulNBits of the file (4 layers of q, k, v, o, gate, up, down, and the lm_head) as K × N float32s.
      const nodes = readOnnxModel(bytesOf(fixture)).nodes.filter((n) => n.opType === 'MatMulNBits');
      expect(nodes).toHaveLength(4 * 7 + 1);
      expect(graphs[0]!.unpackedBytes).toBe(nodes.reduce((sum, n) => sum + n.ints.get('K')! * n.ints.get('N')! * 4, 0));
      await compare(fixture, graphs);
    });
  }

  it('unpacks within the allowance, the lm_head first, and across stages', async () => {
    const fixture = spec('optimum-q4');
    const all = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: GIB, pieceBytes: GIB, unpackBytes: GIB })!;
    const lmHead = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: GIB, pieceBytes: GIB, unpackBytes: 64 * MIB })!;
    const whole = all[0]!.unpackedBytes;
    const some = lmHead[0]!.unpackedBytes;
    expect(some).toBeGreaterThan(0);
    expect(some).toBeLessThan(whole);
    expect(matMulNBits(lmHead[0]!)).toBeGreaterThan(0);
    expect(new TextDecoder('latin1').decode(lmHead[0]!.model)).toContain('lm_head.MatMul.weight_Q4/qwen_local_float32');
    const staged = splitModel(bytesOf(fixture), { layers: LAYERS, stageBytes: GIB, pieceBytes: GIB, unpackBytes: GIB, stages: 3 })!;
    expect(staged.reduce((sum, g) => sum + g.unpackedBytes, 0)).toBe(whole);
    await compare(fixture, staged);
    console.log(`[figures] tiny q4 unpacked: ${(whole / MIB).toFixed(1)} MiB float32 in all; a 64 MiB allowance unpacks ${(some / MIB).toFixed(1)} MiB`);
  });

  it('leaves q4f16 (float16 scales and activations) as it is', () => {
    expect(splitModel(bytesOf(spec('optimum-q4f16')), { layers: LAYERS, stageBytes: GIB, pieceBytes: GIB, unpackBytes: GIB })).toBeNull();
  });
});
