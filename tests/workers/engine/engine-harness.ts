// The engine and its loader in Node: the store, the GPU and onnxruntime faked (EngineDeps), with
// the forged tiny model's own files, and a stage that answers zero logits (greedy: token 0, "!")
// unless told to fail or hang. Shared by the engine, fault and loader tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { fixture, fixtureDir } from '../../../scripts/forge/fixture-set.ts';
import type { EngineDeps } from '../../../workers/engine/engine.ts';
import type { DeviceChoice } from '../../../workers/engine/gpu-device.ts';
import type { SessionInfo, Stage } from '../../../workers/engine/pipeline.ts';
import type { EngineEvent, EngineRequest, LoadRequest } from '../../../workers/protocol/messages.ts';
import type { ModelFiles, OpenedModel } from '../../../workers/store/model-reader.ts';

// ort-env.ts reads the worker's cross-origin isolation when it is first imported.
vi.stubGlobal('self', { crossOriginIsolated: false });
const { Engine } = await import('../../../workers/engine/engine.ts');
const { Pipeline } = await import('../../../workers/engine/pipeline.ts');
const { ort } = await import('../../../workers/engine/ort-env.ts');
export { Engine, Pipeline, ort };

const dir = fixtureDir(fixture('optimum-q4'));
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
const config = json('config.json');
export const VOCAB = config['vocab_size'] as number;
const LAYERS = config['num_hidden_layers'] as number;

export function modelFiles(): ModelFiles {
  return {
    config: { ...config },
    generationConfig: json('generation_config.json'),
    tokenizerJson: json('tokenizer.json'),
    tokenizerConfig: json('tokenizer_config.json'),
    fileName: 'onnx/model_q4.onnx',
    model: new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx'))),
    externalData: [],
  };
}

/** What openModel gives: `files` now, and its check settling with `checkedFiles` (default: the same) and `repairedChunks`. */
export function opened(files: ModelFiles, repairedChunks = 0, checkedFiles = files): OpenedModel {
  return { files, checked: Promise.resolve({ files: checkedFiles, repairedChunks }) };
}

/** The whole model's inputs and outputs, as a stage reports them. */
export const DECODER_INFO: SessionInfo = {
  inputNames: ['input_ids', 'attention_mask', 'position_ids', ...kvNames('past_key_values')],
  outputNames: ['logits', ...kvNames('present')],
  inputMetadata: [{ name: 'past_key_values.0.key', isTensor: true, type: 'float32', shape: [1, 2, 'past', 32] }],
};

function kvNames(prefix: string): string[] {
  return Array.from({ length: LAYERS }, (_, i) => [`${prefix}.${i}.key`, `${prefix}.${i}.value`]).flat();
}

export type Mode = 'answer' | 'fail' | 'hang';

/** A stage that counts its runs and releases; `run` answers zero logits unless told to fail or hang. */
export class FakeStage implements Stage {
  releases = 0;
  runs = 0;
  mode: Mode = 'answer';
  /** The tokens fed to each run. */
  readonly fed: number[][] = [];
  /** Called as each run starts (1 for the first), before it answers. */
  beforeRun: (run: number) => void | Promise<void> = () => undefined;
  readonly kv = { liveTensors: 0, tensorsMade: 0, inPlace: false };
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
    this.fed.push([...fed]);
    await this.beforeRun(this.runs);
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

export const WASM: DeviceChoice = { device: 'wasm', gpu: null, adapter: null, shaderF16: false, notes: [] };

/** Fake dependencies: `modes` says how the stages made by each createPipeline call run, in order (then 'answer'). */
export function fakeDeps(overrides: Partial<EngineDeps> & { info?: SessionInfo; modes?: Mode[] } = {}): { deps: EngineDeps; stages: FakeStage[] } {
  const stages: FakeStage[] = [];
  const deps: EngineDeps = {
    chooseDevice: vi.fn(async () => WASM),
    ensureModel: vi.fn(async () => ({ model: { repo: 'r' } as never, addedBytes: 0 })),
    openModel: vi.fn(async () => opened(modelFiles())),
    converter: vi.fn(() => ({ version: 1, estimateBytes: () => 0, run: async () => {} })),
    createPipeline: vi.fn(async () => {
      const stage = new FakeStage(overrides.info ?? DECODER_INFO, overrides.modes?.[stages.length] ?? 'answer');
      stages.push(stage);
      return { pipeline: new Pipeline([stage]), stages: [{ layers: [0, LAYERS] as [number, number], weightBytes: 0, unpackedBytes: 0, worker: false }] };
    }),
    origin: () => 'http://localhost',
    deviceMemoryBytes: () => 8 * 2 ** 30,
    ...overrides,
  };
  return { deps, stages };
}

export interface Harness {
  engine: InstanceType<typeof Engine>;
  stages: FakeStage[];
  deps: EngineDeps;
  /** Every event the engine emitted, in order. */
  events: EngineEvent[];
  /** The request's last event (error or its answer). */
  settled(id: string): Promise<EngineEvent>;
}

export function harness(overrides: Parameters<typeof fakeDeps>[0] = {}): Harness {
  const { deps, stages } = fakeDeps(overrides);
  const events: EngineEvent[] = [];
  const waiting = new Map<string, (event: EngineEvent) => void>();
  const engine = new Engine((event) => {
    events.push(event);
    if (event.kind !== 'progress' && event.kind !== 'token') waiting.get(event.id)?.(event);
  }, deps);
  const settled = (id: string) => new Promise<EngineEvent>((resolve) => waiting.set(id, resolve));
  return { engine, stages, deps, events, settled };
}

export const load = (id: string, device: 'wasm' | 'webgpu' = 'wasm'): LoadRequest => ({
  kind: 'load',
  id,
  repo: 'qwen-local-forge/Qwen2.5-Tiny-Instruct',
  source: { kind: 'huggingface' } as never,
  device,
  dtype: 'q4',
});

export async function send(h: Harness, request: EngineRequest): Promise<EngineEvent> {
  const settled = h.settled(request.id);
  h.engine.handle(request);
  return settled;
}
