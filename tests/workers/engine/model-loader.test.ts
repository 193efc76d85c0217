// ModelLoader's phases on fakes (engine-harness.ts) and the forged tiny model's files: the
// progress events come in phase order, and a load that fails in a phase releases whatever was
// built before the failure (nothing before the pipeline exists).
import { describe, expect, it, vi } from 'vitest';
import type { LoadContext } from '../../../workers/engine/model-loader.ts';
import type { Stage } from '../../../workers/engine/pipeline.ts';
import type { ProgressEvent } from '../../../workers/protocol/messages.ts';
import { DECODER_INFO, FakeStage, WASM, fakeDeps, load, modelFiles, opened } from './engine-harness.ts';

// The harness has stubbed what onnxruntime's import reads.
const { ModelLoader } = await import('../../../workers/engine/model-loader.ts');
const { createPipeline } = await import('../../../workers/engine/split/load-stages.ts');

function context(overrides: Partial<LoadContext> = {}): LoadContext & { events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  return { signal: new AbortController().signal, emit: (event) => events.push(event), chooseDevice: async () => WASM, isLive: () => true, events, ...overrides };
}

function loader(overrides: Parameters<typeof fakeDeps>[0] = {}) {
  const { deps, stages } = fakeDeps(overrides);
  return { loader: new ModelLoader(deps), deps, stages };
}

describe('ModelLoader', () => {
  it('reports its phases in order: download, verify, compile (and each stage), warm-up', async () => {
    const { loader: l, deps } = loader();
    deps.ensureModel = vi.fn(async (_request, onProgress) => {
      onProgress({ file: 'onnx/model_q4.onnx', fileBytesDone: 1, fileBytesTotal: 1, totalDone: 1, totalBytes: 1, bytesPerSecond: null, etaSeconds: null });
      return { model: { repo: 'r' } as never, addedBytes: 1 };
    });
    deps.openModel = vi.fn(async (_stored, options) => {
      options.onProgress?.(1, 1);
      return opened(modelFiles());
    });
    const create = deps.createPipeline;
    deps.createPipeline = vi.fn(async (options) => {
      options.onStage?.(0, 1);
      return create(options);
    });
    const c = context();
    const loaded = await l.load(load('l1'), c);
    expect(c.events.map((e) => [e.phase, 'stage' in e ? e.stage : undefined])).toEqual([
      ['download', undefined],
      ['verify', undefined],
      ['compile', undefined],
      ['compile', 1],
      ['warmup', undefined],
    ]);
    expect(new Set(c.events.map((e) => e.id))).toEqual(new Set(['l1']));
    expect(loaded.report).toMatchObject({ repo: load('l1').repo, device: 'wasm', dtype: 'q4', downloadedBytes: 1, layers: 4 });
  });

  it('a failure while fetching builds no pipeline', async () => {
    const { loader: l, stages } = loader({
      openModel: vi.fn(async () => {
        throw new Error('a chunk is damaged');
      }),
    });
    await expect(l.load(load('l1'), context())).rejects.toThrow(/damaged/);
    // Counted by the fake stages: a failure listing createPipeline's calls would print the model's bytes.
    expect(stages).toHaveLength(0);
  });

  it('a failure while preparing the graph builds no pipeline', async () => {
    const files = modelFiles();
    delete files.config['num_key_value_heads'];
    const { loader: l, stages } = loader({ openModel: vi.fn(async () => opened(files)) });
    await expect(l.load(load('l1'), context())).rejects.toMatchObject({ code: 'model_files_invalid' });
    expect(stages).toHaveLength(0);
  });

  it('a failure while building the pipeline releases the stages made before it', async () => {
    const made: FakeStage[] = [];
    const createStage = async (): Promise<Stage> => {
      if (made.length === 1) throw new Error('Failed to create the session: out of memory');
      made.push(new FakeStage(DECODER_INFO, 'answer'));
      return made.at(-1)!;
    };
    const { loader: l } = loader({ createPipeline: (options) => createPipeline({ ...options, stages: 2, createStage }) });
    await expect(l.load(load('l1'), context())).rejects.toThrow(/out of memory/);
    expect(made.map((s) => s.releases)).toEqual([1]);
  });

  it('builds the pipeline while the chunks are checked; a repaired chunk prepares and builds it again from the checked files', async () => {
    const stored = { ...modelFiles(), externalData: [{ path: 'model_q4.onnx_data', data: new Blob(['damaged']) }] };
    const checked = { ...modelFiles(), externalData: [{ path: 'model_q4.onnx_data', data: new Blob(['repaired']) }] };
    const { loader: l, deps, stages } = loader({ openModel: vi.fn(async () => opened(stored, 1, checked)) });
    const built: string[] = [];
    const create = deps.createPipeline;
    deps.createPipeline = vi.fn(async (options) => {
      built.push(await options.files.externalData[0]!.data.text());
      return create(options);
    });
    const loaded = await l.load(load('l1'), context());
    expect(built).toEqual(['damaged', 'repaired']);
    expect(stages.map((s) => s.releases)).toEqual([1, 0]);
    expect(loaded.pipeline.stages[0]).toBe(stages[1]);
    expect(loaded.report.repairedChunks).toBe(1);
  });

  it('a build that failed on bytes the check then repaired is made again from the checked files', async () => {
    const damaged = () => ({ ...modelFiles(), model: new Uint8Array([0xff, 0xff, 0xff]) });
    const { loader: l, deps, stages } = loader({ openModel: vi.fn(async () => opened(damaged(), 1, modelFiles())) });
    const create = deps.createPipeline;
    deps.createPipeline = vi.fn(async (options) => {
      if (options.model.byteLength === 3) throw new Error('Failed to load model: protobuf parsing failed');
      return create(options);
    });
    const loaded = await l.load(load('l1'), context());
    expect(stages).toHaveLength(1);
    expect(loaded.report.repairedChunks).toBe(1);
    // With nothing repaired the build's own error stands (here the unpack plan's, which reads the graph first).
    const { loader: plain, deps: plainDeps } = loader({ openModel: vi.fn(async () => opened(damaged())) });
    plainDeps.createPipeline = deps.createPipeline;
    await expect(plain.load(load('l2'), context())).rejects.toThrow(/protobuf/);
    await expect(plain.load({ ...load('l3'), unpackBytes: 0 }, context())).rejects.toThrow(/protobuf parsing failed/);
  });

  it('a check that fails once the pipeline is built fails the load and releases the pipeline', async () => {
    const failed = Promise.reject(Object.assign(new Error('model_q4.onnx_data changed on the model host'), { code: 'model_corrupt' }));
    // As openModel's: handled from the start, so it never counts as an unhandled rejection.
    failed.catch(() => undefined);
    const { loader: l, stages } = loader({ openModel: vi.fn(async () => ({ files: modelFiles(), checked: failed })) });
    await expect(l.load(load('l1'), context())).rejects.toMatchObject({ code: 'model_corrupt' });
    expect(stages.map((s) => s.releases)).toEqual([1]);
  });

  it("shows the check's progress, but not while the pipeline is built", async () => {
    let progress: (done: number, total: number) => void = () => {};
    const { loader: l, deps } = loader({
      openModel: vi.fn(async (_stored, options) => {
        progress = options.onProgress!;
        progress(1, 4);
        return opened(modelFiles());
      }),
    });
    const create = deps.createPipeline;
    deps.createPipeline = vi.fn(async (options) => {
      progress(2, 4);
      options.onStage?.(0, 1);
      return create(options);
    });
    const c = context();
    await l.load(load('l1'), c);
    // The check's last chunk, after the build.
    progress(4, 4);
    expect(c.events.map((e) => [e.phase, 'bytesDone' in e ? e.bytesDone : 'stage' in e ? e.stage : undefined])).toEqual([
      ['verify', 1],
      ['compile', undefined],
      ['compile', 1],
      ['warmup', undefined],
      ['verify', 4],
    ]);
  });

  it('a pipeline whose graph is no decoder is released', async () => {
    const { loader: l, stages } = loader({ info: { ...DECODER_INFO, outputNames: ['logits'] } });
    await expect(l.load(load('l1'), context())).rejects.toMatchObject({ code: 'model_files_invalid' });
    expect(stages.map((s) => s.releases)).toEqual([1]);
  });

  it('a failure in the warm-up releases the pipeline', async () => {
    const { loader: l, stages } = loader({ modes: ['fail'] });
    await expect(l.load(load('l1'), context())).rejects.toThrow(/the kernel failed/);
    expect(stages.map((s) => s.releases)).toEqual([1]);
  });

  it('a device lost during the warm-up fails the load and releases the pipeline', async () => {
    const { loader: l, stages } = loader();
    await expect(l.load(load('l1'), context({ isLive: () => false }))).rejects.toMatchObject({ code: 'device_lost' });
    expect(stages.map((s) => s.releases)).toEqual([1]);
  });
});
