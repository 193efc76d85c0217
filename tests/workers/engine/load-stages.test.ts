// Creating a split model's stages with fake stage sessions: a stage that fails to be created, or
// an abort between stages, releases every stage made before it (their sessions, workers and GPU
// buffers) and creates no more.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture, fixtureDir } from '../../../scripts/forge/fixture-set.ts';
import type { Stage } from '../../../workers/engine/pipeline.ts';
import type { createPipeline as CreatePipeline, StagePlace } from '../../../workers/engine/split/load-stages.ts';

let createPipeline: typeof CreatePipeline;

beforeAll(async () => {
  vi.stubGlobal('self', { crossOriginIsolated: false });
  ({ createPipeline } = await import('../../../workers/engine/split/load-stages.ts'));
});

const dir = fixtureDir(fixture('optimum-q4'));
const model = new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx')));
const files = { config: {}, generationConfig: {}, tokenizerJson: {}, tokenizerConfig: {}, fileName: 'onnx/model_q4.onnx', model, externalData: [] };
const choice = { device: 'wasm' as const, gpu: null, adapter: null, shaderF16: false, notes: [] };

/** Stages that count their releases; the one at `failAt` fails to be created. */
function fakeStages(failAt: number | null, onCreate: (index: number) => void = () => undefined) {
  const made: { place: StagePlace; releases: number }[] = [];
  const createStage = async (_graph: unknown, place: StagePlace): Promise<Stage> => {
    onCreate(made.length);
    if (made.length === failAt) throw new Error('Failed to create the session: out of memory');
    const entry = { place, releases: 0 };
    made.push(entry);
    return {
      info: { inputNames: [], outputNames: [], inputMetadata: [] },
      kv: { liveTensors: 0, tensorsMade: 0, inPlace: false },
      run: async () => ({}),
      crop() {},
      clear() {},
      release: async () => void entry.releases++,
    };
  };
  return { made, createStage };
}

const options = { model, files, choice, layers: 4, shape: { kvHeads: 2, headDim: 32, contextTokens: 32_768 }, stages: 3, unpackBytes: 0 };

describe('createPipeline when a load fails part way', () => {
  it('releases the stages made before one that fails, and reports the failure', async () => {
    const { made, createStage } = fakeStages(2);
    await expect(createPipeline({ ...options, createStage })).rejects.toThrow(/out of memory/);
    expect(made.map((m) => m.releases)).toEqual([1, 1]);
    // On WASM the second stage had a worker of its own: released with it.
    expect(made.map((m) => m.place.worker)).toEqual([null, 'qwen-stage-1']);
  });

  it('stops between stages when aborted, releasing those made', async () => {
    const controller = new AbortController();
    const { made, createStage } = fakeStages(null, (index) => index === 1 && controller.abort());
    await expect(createPipeline({ ...options, createStage, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(made).toHaveLength(2);
    expect(made.map((m) => m.releases)).toEqual([1, 1]);
  });

  it('makes every stage when nothing fails', async () => {
    const { made, createStage } = fakeStages(null);
    const { pipeline, stages } = await createPipeline({ ...options, createStage });
    expect(stages).toHaveLength(3);
    expect(made.map((m) => m.releases)).toEqual([0, 0, 0]);
    await pipeline.release();
    expect(made.map((m) => m.releases)).toEqual([1, 1, 1]);
  });
});

describe('createPipeline with allInWorkers (the fast start on WASM)', () => {
  it('puts every stage in a worker of its own, the first too, and a single one without splitting', async () => {
    const split = fakeStages(null);
    const made = await createPipeline({ ...options, createStage: split.createStage, allInWorkers: true });
    expect(split.made.map((m) => m.place.worker)).toEqual(['qwen-stage-0', 'qwen-stage-1', 'qwen-stage-2']);
    expect(made.stages.map((s) => s.worker)).toEqual([true, true, true]);
    const whole = fakeStages(null);
    const graphs: Uint8Array[] = [];
    const one = await createPipeline({
      ...options,
      stages: 1,
      allInWorkers: true,
      createStage: (graph, place) => {
        graphs.push(graph.model);
        return whole.createStage(graph, place);
      },
    });
    expect(whole.made.map((m) => m.place.worker)).toEqual(['qwen-stage-0']);
    expect(one.stages).toMatchObject([{ layers: [0, 4], unpackedBytes: 0, worker: true }]);
    // The worker is handed a copy: the caller's graph stays whole for the speed-up's build.
    expect(graphs[0] === model).toBe(false);
    expect(Buffer.compare(graphs[0]!, model) === 0).toBe(true);
  });
});
