// The engine under faults, with the store, the GPU and onnxruntime faked (EngineDeps) and the
// forged tiny model's own files: a load that fails after its pipeline exists releases it, a load
// stops between phases when aborted, and a lost GPU device fails the request running on it,
// drops the model, and the next load asks for a new device.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture, fixtureDir } from '../../../scripts/forge/fixture-set.ts';
import type { Engine as EngineClass, EngineDeps } from '../../../workers/engine/engine.ts';
import type { DeviceChoice } from '../../../workers/engine/gpu-device.ts';
import type { Pipeline as PipelineClass, SessionInfo, Stage } from '../../../workers/engine/pipeline.ts';
import type { EngineEvent, EngineRequest } from '../../../workers/protocol/messages.ts';
import type { ModelFiles } from '../../../workers/store/model-reader.ts';

let Engine: typeof EngineClass;
let Pipeline: typeof PipelineClass;
let ort: typeof import('onnxruntime-web');

beforeAll(async () => {
  // ort-env.ts reads the worker's cross-origin isolation.
  vi.stubGlobal('self', { crossOriginIsolated: false });
  ({ Engine } = await import('../../../workers/engine/engine.ts'));
  ({ Pipeline } = await import('../../../workers/engine/pipeline.ts'));
  ({ ort } = await import('../../../workers/engine/ort-env.ts'));
});

const dir = fixtureDir(fixture('optimum-q4'));
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
const config = json('config.json');
const VOCAB = config['vocab_size'] as number;
const LAYERS = config['num_hidden_layers'] as number;

function modelFiles(): ModelFiles {
  return {
    config,
    generationConfig: json('generation_config.json'),
    tokenizerJson: json('tokenizer.json'),
    tokenizerConfig: json('tokenizer_config.json'),
    fileName: 'onnx/model_q4.onnx',
    model: new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx'))),
    externalData: [],
  };
}

/** The whole model's inputs and outputs, as a stage reports them. */
const DECODER_INFO: SessionInfo = {
  inputNames: ['input_ids', 'attention_mask', 'position_ids', ...kvNames('past_key_values')],
  outputNames: ['logits', ...kvNames('present')],
  inputMetadata: [{ name: 'past_key_values.0.key', isTensor: true, type: 'float32', shape: [1, 2, 'past', 32] }],
};

function kvNames(prefix: string): string[] {
  return Array.from({ length: LAYERS }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
}

type Mode = 'answer' | 'fail' | 'hang';

/** A stage that counts its releases; `run` answers zero logits unless told to fail or hang. */
class FakeStage implements Stage {
  releases = 0;
  runs = 0;
  mode: Mode = 'answer';
  readonly liveTensors = 0;
  /** Settles when a run starts to hang. */
  readonly hung: Promise<void>;
  #hang = (): void => undefined;

  constructor(
    readonly info: SessionInfo,
    mode: Mode,
  ) {
    this.mode = mode;
    this.hung = new Promise((resolve) => (this.#hang = resolve));
  }

  async run(_inputs: Readonly<Record<string, import('onnxruntime-web').Tensor>>, fed: readonly number[]): Promise<Record<string, import('onnxruntime-web').Tensor>> {
    this.runs++;
    if (this.mode === 'fail') throw new Error('the kernel failed');
    if (this.mode === 'hang') {
      this.#hang();
      return new Promise(() => undefined);
    }
    return { logits: new ort.Tensor('float32', new Float32Array(fed.length * VOCAB), [1, fed.length, VOCAB]) };
  }

  crop(): void {}
  clear(): void {}
  async release(): Promise<void> {
    this.releases++;
  }
}

interface Harness {
  engine: EngineClass;
  stages: FakeStage[];
  deps: EngineDeps;
  /** The request's last event (error or its answer). */
  settled(id: string): Promise<EngineEvent>;
}

/** `modes`: how the stages made by each load run, in order (then 'answer'). */
function harness(overrides: Partial<EngineDeps> & { info?: SessionInfo; modes?: Mode[] } = {}): Harness {
  const events: EngineEvent[] = [];
  const waiting = new Map<string, (event: EngineEvent) => void>();
  const stages: FakeStage[] = [];
  const deps: EngineDeps = {
    chooseDevice: vi.fn(async () => ({ device: 'wasm', gpu: null, adapter: null, shaderF16: false, notes: [] }) as DeviceChoice),
    ensureModel: vi.fn(async () => ({ model: { repo: 'r' } as never, addedBytes: 0 })),
    readModel: vi.fn(async () => ({ files: modelFiles(), repairedChunks: 0 })),
    createPipeline: vi.fn(async () => {
      const stage = new FakeStage(overrides.info ?? DECODER_INFO, overrides.modes?.[stages.length] ?? 'answer');
      stages.push(stage);
      return { pipeline: new Pipeline([stage]), stages: [{ layers: [0, LAYERS] as [number, number], weightBytes: 0, unpackedBytes: 0, worker: false }] };
    }),
    origin: () => 'http://localhost',
    deviceMemoryBytes: () => 8 * 2 ** 30,
    ...overrides,
  };
  const engine = new Engine((event) => {
    events.push(event);
    if (event.kind !== 'progress' && event.kind !== 'token') waiting.get(event.id)?.(event);
  }, deps);
  const settled = (id: string) => new Promise<EngineEvent>((resolve) => waiting.set(id, resolve));
  return { engine, stages, deps, settled };
}

const load = (id: string, device: 'wasm' | 'webgpu' = 'wasm'): EngineRequest => ({ kind: 'load', id, repo: 'qwen-local-forge/Qwen2.5-Tiny-Instruct', source: { kind: 'huggingface' } as never, device, dtype: 'q4' });

async function send(h: Harness, request: EngineRequest): Promise<EngineEvent> {
  const settled = h.settled(request.id);
  h.engine.handle(request);
  return settled;
}

describe('a load that fails', () => {
  it('after its pipeline exists (the graph is not a decoder) releases the pipeline', async () => {
    const h = harness({ info: { ...DECODER_INFO, inputNames: ['input_ids'] } });
    const event = await send(h, load('l1'));
    expect(event).toMatchObject({ kind: 'error', error: { code: 'model_files_invalid' } });
    expect(h.stages.map((s) => s.releases)).toEqual([1]);
  });

  it('in the warm-up releases the pipeline, and the engine loads again', async () => {
    // The first load's stage fails its warm-up run; the second load's stage answers.
    const h = harness({ modes: ['fail'] });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { message: 'the kernel failed' } });
    expect(h.stages[0]!.releases).toBe(1);
    expect(await send(h, load('l2'))).toMatchObject({ kind: 'loaded' });
    expect(h.stages[1]!.releases).toBe(0);
  });
});

describe('abort during a load', () => {
  it('stops between phases: aborted while verifying, no pipeline is made', async () => {
    const h = harness();
    const files = modelFiles();
    h.deps.readModel = vi.fn(async () => {
      h.engine.handle({ kind: 'abort', id: 'a', target: 'l1' });
      return { files, repairedChunks: 0 };
    });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { code: 'aborted' } });
    expect(h.deps.createPipeline).not.toHaveBeenCalled();
  });

  it('stops before the warm-up once the pipeline exists, and releases it', async () => {
    const h = harness();
    const create = h.deps.createPipeline;
    h.deps.createPipeline = vi.fn(async (options) => {
      const made = await create(options);
      h.engine.handle({ kind: 'abort', id: 'a', target: 'l1' });
      return made;
    });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { code: 'aborted' } });
    expect(h.stages[0]!.runs).toBe(0);
    expect(h.stages[0]!.releases).toBe(1);
  });
});

describe('a lost GPU device', () => {
  it('fails the answer running on it, drops the model, and the next load gets a new device', async () => {
    const devices: { lose: (info: GPUDeviceLostInfo) => void }[] = [];
    const h = harness({
      chooseDevice: vi.fn(async () => {
        let lose!: (info: GPUDeviceLostInfo) => void;
        const lost = new Promise<GPUDeviceLostInfo>((resolve) => (lose = resolve));
        devices.push({ lose });
        const gpu = { lost, limits: { maxStorageBufferBindingSize: 2 ** 30 } } as unknown as GPUDevice;
        return { device: 'webgpu', gpu, adapter: 'fake', shaderF16: false, notes: [] } as DeviceChoice;
      }),
    });
    expect(await send(h, load('l1', 'webgpu'))).toMatchObject({ kind: 'loaded' });
    h.stages[0]!.mode = 'hang';
    const answer = h.settled('g1');
    h.engine.handle({ kind: 'generate', id: 'g1', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 });
    await h.stages[0]!.hung;
    devices[0]!.lose({ reason: 'destroyed', message: 'Device was destroyed.' } as GPUDeviceLostInfo);
    expect(await answer).toMatchObject({ kind: 'error', error: { code: 'device_lost', message: expect.stringMatching(/load it again/) } });
    expect(h.stages[0]!.releases).toBe(1);
    // The next request is told why, not left to a dead device.
    expect(await send(h, { kind: 'generate', id: 'g2', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 })).toMatchObject({ kind: 'error', error: { code: 'device_lost' } });
    expect(await send(h, load('l2', 'webgpu'))).toMatchObject({ kind: 'loaded' });
    expect(h.deps.chooseDevice).toHaveBeenCalledTimes(2);
    expect(await send(h, { kind: 'generate', id: 'g3', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 })).toMatchObject({ kind: 'done' });
  });
});
