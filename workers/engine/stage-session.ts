// One onnxruntime session as a pipeline stage (pipeline.ts): the whole model, or a group of its
// layers after a split. It keeps the KV cache of the layers it holds (kv-cache.ts), read from
// its own inputs, so a stage knows nothing of the others.
import { ort, sessionsOn } from './ort-env.ts';
import { EngineError } from '../protocol/errors.ts';
import type { DeviceChoice } from './gpu-device.ts';
import { KvCache, type KvCount, type KvLayout, type StageKv } from './kv-cache.ts';
import { InPlaceKvCache } from './kv-in-place.ts';
import { writesKvInPlace } from './graph-rewrite/gqa-kv.ts';
import type { SessionInfo, Stage } from './pipeline.ts';
import { readOnnxModel } from './split/onnx-model.ts';

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** KV heads and head size from config.json, for graphs whose metadata leaves them symbolic; the context planned for. */
export interface KvShape {
  kvHeads: number;
  headDim: number;
  /** The tokens an in-place cache is sized for (the session's context window). */
  contextTokens: number;
}

/** A graph to create a session on: the whole model (rewritten, graph-rewrite/prepare.ts) or one stage of it (split/). */
export interface SessionGraph {
  fileName: string;
  model: Uint8Array;
  /** Blobs of stored slices, or bytes made at load (unpacked weights). */
  externalData: { path: string; data: Blob | Uint8Array<ArrayBuffer> }[];
}

/** A session on `graph`; on WebGPU every output but the logits stays on the GPU (KV, hidden states between stages). */
async function createSession(graph: SessionGraph, choice: DeviceChoice): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    // Our device, so the KV cache's own buffers (cropping) live on the device onnxruntime uses.
    executionProviders: [choice.gpu ? { name: 'webgpu', device: choice.gpu } : choice.device],
    graphOptimizationLevel: 'all',
    externalData: graph.externalData,
    // WASM: no second, prepacked copy of the float32 weights, which doubled the memory a load
    // touches (peak and time) for no faster step (bench:load).
    ...(choice.device === 'wasm' ? { extra: { session: { disable_prepacking: '1' } } } : {}),
  };
  const sessions = await sessionsOn(choice.device);
  try {
    if (choice.device !== 'webgpu') return await sessions.create(graph.model, options);
    const names = [...readOnnxModel(graph.model).outputs.keys()];
    options.preferredOutputLocation = Object.fromEntries(names.filter((n) => n !== 'logits').map((n) => [n, 'gpu-buffer' as const]));
    return await sessions.create(graph.model, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/protobuf|parse|invalid model|load model/i.test(message)) {
      throw new EngineError('model_files_invalid', `${graph.fileName} is not a valid ONNX model (damaged or incomplete download). Delete it and download again.`, { cause: message });
    }
    throw error;
  }
}

export class SessionStage implements Stage {
  readonly #session: ort.InferenceSession;
  readonly #cache: StageKv;
  /** Every output by name: the cache's own buffers where it binds them, null for onnxruntime to allocate (logits, hidden states). */
  readonly #fetches: Record<string, ort.Tensor | null> | null;

  private constructor(session: ort.InferenceSession, cache: StageKv) {
    this.#session = session;
    this.#cache = cache;
    const bound = cache.presentFetches?.();
    this.#fetches = bound ? Object.fromEntries(session.outputNames.map((name) => [name, bound[name] ?? null])) : null;
  }

  /** On WebGPU a GroupQueryAttention graph gets the in-place cache (kv-in-place.ts); others the growing one. */
  static async create(graph: SessionGraph, choice: DeviceChoice, shape: KvShape): Promise<SessionStage> {
    const session = await createSession(graph, choice);
    const layout = kvLayout(session, shape);
    const inPlace = choice.gpu && writesKvInPlace(graph.model, layout.pastNames);
    return new SessionStage(session, inPlace ? new InPlaceKvCache(layout, choice.gpu!, shape.contextTokens) : new KvCache(layout, choice.gpu));
  }


  get info(): SessionInfo {
    return { inputNames: this.#session.inputNames, outputNames: this.#session.outputNames, inputMetadata: this.#session.inputMetadata };
  }

  get kv(): KvCount {
    return this.#cache.count;
  }

  async run(inputs: Readonly<Record<string, ort.Tensor>>, fed: readonly number[]): Promise<Record<string, ort.Tensor>> {
    const feeds = this.#cache.pastFeeds();
    for (const name of this.#session.inputNames) {
      if (PAST.test(name)) continue;
      const tensor = inputs[name];
      if (!tensor) throw new Error(`no value for the stage input ${name}`);
      feeds[name] = tensor;
    }
    const outputs = this.#fetches ? await this.#session.run(feeds, this.#fetches) : await this.#session.run(feeds);
    this.#cache.commit(fed, outputs);
    return Object.fromEntries(Object.entries(outputs).filter(([name]) => !name.startsWith('present.')));
  }

  crop(length: number): void {
    this.#cache.crop(length);
  }

  clear(): void {
    this.#cache.clear();
  }

  async release(): Promise<void> {
    this.#cache.release();
    await this.#session.release();
  }
}

/** The KV inputs this session reads, paired with its present.* outputs, and their type and shape. */
function kvLayout(session: ort.InferenceSession, shape: KvShape): KvLayout {
  const pastNames = session.inputNames.filter((n) => PAST.test(n));
  const presentNames = pastNames.map((n) => n.replace('past_key_values.', 'present.'));
  const first = session.inputMetadata.find((m) => m.name === pastNames[0]);
  const kvType = first?.isTensor && first.type === 'float16' ? 'float16' : 'float32';
  const dim = (i: number, fallback: number): number => (first?.isTensor && typeof first.shape[i] === 'number' ? (first.shape[i] as number) : fallback);
  return { pastNames, presentNames, kvType, kvHeads: dim(1, shape.kvHeads), headDim: dim(3, shape.headDim) };
}
