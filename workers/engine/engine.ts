// The engine behind the worker: holds one model at a time (model-loader.ts loads it) and serves
// requests in order (never interleaved). Abort, stats and counts are answered at once, even while a
// request runs. A lost GPU device fails the request on it and drops its model; the next load
// makes a new device.
import { EngineError, toErrorShape } from '../protocol/errors.ts';
import type { Device, EngineEvent, EngineRequest, GenerateRequest, LoadRequest, ScoreRequest } from '../protocol/messages.ts';
import { ensureModel } from '../store/model-download.ts';
import { checkInWorker } from '../store/chunk-check.ts';
import { openModel } from '../store/model-reader.ts';
import { storedConverter } from '../convert/convert-stored.ts';
import { chooseDevice, gpuBufferCensus, type DeviceChoice } from './gpu-device.ts';
import { ModelLoader, type Loaded, type LoaderDeps } from './model-loader.ts';
import type { ModelSession } from './session.ts';
import { systemMemoryBytes } from '../protocol/memory-limits.ts';
import { createPipeline } from './split/load-stages.ts';

/** What the engine reaches beyond the worker (the store, the GPU, onnxruntime, the browser): injected by tests. */
export interface EngineDeps extends LoaderDeps {
  chooseDevice: typeof chooseDevice;
}

const DEPS: EngineDeps = {
  chooseDevice,
  ensureModel,
  // The check of the stored chunks in a worker of its own, beside the sessions being built.
  openModel: (model, options) => openModel(model, { ...options, check: checkInWorker }),
  converter: storedConverter,
  createPipeline,
  origin: () => self.location.origin,
  deviceMemoryBytes,
};

export class Engine {
  readonly #emit: (event: EngineEvent) => void;
  readonly #deps: EngineDeps;
  readonly #loader: ModelLoader;
  #queue: Promise<void> = Promise.resolve();
  /** The request in progress and the device it runs on: a loss of that device fails it at once. */
  #running: { device: DeviceChoice | null; interrupt: (error: EngineError) => void } | null = null;
  /** Why the last model is gone, when its device was lost: what requests to it are told. */
  #lost: EngineError | null = null;
  #loaded: Loaded | null = null;
  /** The choice for WebGPU loads (#gpu). */
  #gpuChoice: DeviceChoice | null = null;
  readonly #aborted = new Set<string>();
  /** Running loads by request id, so an abort can stop a download. */
  readonly #loads = new Map<string, AbortController>();
  #served = 0;

  constructor(emit: (event: EngineEvent) => void, deps: EngineDeps = DEPS) {
    this.#emit = emit;
    this.#deps = deps;
    this.#loader = new ModelLoader(deps);
  }

  handle(request: EngineRequest): void {
    switch (request.kind) {
      case 'abort':
        this.#aborted.add(request.target);
        this.#loads.get(request.target)?.abort();
        return;
      case 'stats':
        this.#emit({
          kind: 'stats',
          id: request.id,
          stats: {
            loaded: this.#loaded !== null,
            cachedTokens: this.#loaded?.session.cachedTokens ?? 0,
            liveTensors: this.#loaded?.session.kv.liveTensors ?? 0,
            kvTensorsMade: this.#loaded?.session.kv.tensorsMade ?? 0,
            liveGpuBuffers: gpuBufferCensus(this.#gpuChoice?.gpu ?? null)?.count ?? null,
            largestGpuBufferBytes: gpuBufferCensus(this.#gpuChoice?.gpu ?? null)?.largest ?? null,
            requestsServed: this.#served,
          },
        });
        return;
      case 'count':
        try {
          const session = this.#session();
          this.#emit({ kind: 'counted', id: request.id, promptTokens: session.countPrompt(request.input), contextTokens: session.contextTokens });
        } catch (error) {
          this.#emit({ kind: 'error', id: request.id, error: toErrorShape(error) });
        }
        return;
      case 'load': {
        const controller = new AbortController();
        this.#loads.set(request.id, controller);
        return this.#enqueue(request.id, () => this.#load(request, controller.signal).finally(() => this.#loads.delete(request.id)));
      }
      case 'generate':
        return this.#enqueue(request.id, () => this.#generate(request));
      case 'score':
        return this.#enqueue(request.id, () => this.#score(request));
      case 'unload':
        return this.#enqueue(request.id, async () => {
          await this.#unload();
          this.#emit({ kind: 'unloaded', id: request.id });
        });
      default: {
        const never: never = request;
        throw new Error(`unknown request ${JSON.stringify(never)}`);
      }
    }
  }

  #enqueue(id: string, run: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      try {
        // A run on a lost device may never settle: the loss rejects this instead, and the queue goes on.
        await new Promise<void>((resolve, reject) => {
          this.#running = { device: this.#loaded?.choice ?? null, interrupt: reject };
          run().then(resolve, reject);
        });
      } catch (error) {
        // A crashed stage worker took its part of the model with it.
        if (error instanceof EngineError && error.code === 'engine_crashed') await this.#unload();
        this.#emit({ kind: 'error', id, error: toErrorShape(error) });
      } finally {
        this.#running = null;
        this.#aborted.delete(id);
        this.#served++;
      }
    });
  }

  async #load(request: LoadRequest, signal: AbortSignal): Promise<void> {
    await this.#unload();
    const loaded = await this.#loader.load(request, {
      signal,
      emit: this.#emit,
      chooseDevice: (requested) => this.#chooseDevice(requested),
      isLive: (choice) => !choice.gpu || this.#gpuChoice === choice,
    });
    this.#loaded = loaded;
    this.#emit({ kind: 'loaded', id: request.id, report: loaded.report });
    const speedUp = loaded.speedUp;
    // Swapped in at the first gap between requests once built (a longer request swaps it first).
    if (speedUp) void speedUp.ready.then(() => this.#whenIdle(() => this.#speedUp(request.id, loaded, speedUp)));
  }

  /** Runs `run` in the queue, between requests, as no request of its own (no id, not counted). */
  #whenIdle(run: () => Promise<void>): void {
    this.#queue = this.#queue.then(run).catch(() => undefined);
  }

  async #speedUp(loadId: string, loaded: Loaded, speedUp: NonNullable<Loaded['speedUp']>): Promise<void> {
    const outcome = await speedUp.apply();
    if (!outcome || this.#loaded !== loaded) return;
    if ('stages' in outcome) loaded.report.stages = outcome.stages;
    this.#emit({ kind: 'sped-up', id: loadId, outcome });
  }

  /** WASM when asked for, else the WebGPU choice (#gpu); the request running is now on it. */
  async #chooseDevice(requested: Device | undefined): Promise<DeviceChoice> {
    const choice = requested === 'wasm' ? await this.#deps.chooseDevice('wasm') : await this.#gpu(requested);
    if (this.#running) this.#running.device = choice;
    return choice;
  }

  /** The WebGPU choice, made once per device (WASM where there is no adapter); a lost device is replaced at the next load. */
  async #gpu(requested: Device | undefined): Promise<DeviceChoice> {
    if (this.#gpuChoice) return this.#gpuChoice;
    const choice = await this.#deps.chooseDevice(requested);
    this.#gpuChoice = choice;
    void choice.gpu?.lost.then((info) => this.#deviceLost(choice, info));
    return choice;
  }

  #deviceLost(choice: DeviceChoice, info: GPUDeviceLostInfo): void {
    const error = new EngineError(
      'device_lost',
      `The GPU stopped responding (device lost${info.message ? `: ${info.message}` : ''}). The model is unloaded; load it again and a new GPU device is set up.`,
      { reason: info.reason, cause: info.message },
    );
    if (this.#gpuChoice === choice) this.#gpuChoice = null;
    const loaded = this.#loaded;
    if (loaded?.choice === choice) {
      this.#loaded = null;
      this.#lost = error;
      loaded.session.dispose();
      void loaded.pipeline.release().catch(() => undefined);
    }
    if (this.#running?.device === choice) this.#running.interrupt(error);
  }

  #session(): ModelSession {
    if (this.#lost) throw this.#lost;
    if (!this.#loaded) throw new EngineError('model_not_loaded', 'No model is loaded. Pick a model and load it first.');
    return this.#loaded.session;
  }

  async #generate(request: GenerateRequest): Promise<void> {
    const result = await this.#session().generate(request, {
      onDelta: (delta, logprobs) => this.#emit({ kind: 'token', id: request.id, delta, ...(logprobs ? { logprobs } : {}) }),
      isAborted: () => this.#aborted.has(request.id),
    });
    this.#emit({ kind: 'done', id: request.id, ...result });
  }

  async #score(request: ScoreRequest): Promise<void> {
    const result = await this.#session().score(request, () => this.#aborted.has(request.id));
    this.#emit({ kind: 'scores', id: request.id, ...result });
  }

  async #unload(): Promise<void> {
    const loaded = this.#loaded;
    this.#loaded = null;
    this.#lost = null;
    if (!loaded) return;
    loaded.speedUp?.cancel();
    loaded.session.dispose();
    await loaded.pipeline.release();
  }
}

/** navigator.deviceMemory: Chromium's, in GiB, at most 8; absent elsewhere. */
function deviceMemoryBytes(): number {
  return systemMemoryBytes((navigator as Navigator & { deviceMemory?: number }).deviceMemory);
}
