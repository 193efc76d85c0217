// The engine behind the worker: loads one model at a time and serves requests to it in order
// (never interleaved). Abort and stats are answered at once, even while a request runs. A lost
// GPU device fails the request on it and drops its model; the next load makes a new device.
import { EngineError, toErrorShape } from '../protocol/errors.ts';
import type { CapabilityReport, Device, EngineEvent, EngineRequest, GenerateRequest, LoadRequest, ScoreRequest } from '../protocol/messages.ts';
import { Decoder, WEBGPU_LOGITS_ROWS_CANDIDATES } from './decoder.ts';
import { chooseDevice, gpuBufferCensus, type DeviceChoice } from './gpu-device.ts';
import { prepareGraph } from './graph-rewrite/prepare.ts';
import { configNumber, readGraphContract } from './graph-contract.ts';
import type { Pipeline } from './pipeline.ts';
import { createPipeline } from './split/load-stages.ts';
import { systemMemoryBytes, unpackAllowance } from './split/limits.ts';
import { PromptEncoder, createTokenizer } from './prompt-encoder.ts';
import { checkTokenizer } from './tokenizer-check.ts';
import { vocabularyFromTokenizerJson } from '../grammar/index.ts';
import { ensureModel } from '../store/model-download.ts';
import { readModel } from '../store/model-reader.ts';
import { checkLoadRequest, chooseDtype } from './load-request.ts';
import { ModelSession } from './session.ts';

/** What the engine reaches beyond the worker (the store, the GPU, onnxruntime): injected by tests. */
export interface EngineDeps {
  chooseDevice: typeof chooseDevice;
  ensureModel: typeof ensureModel;
  readModel: typeof readModel;
  createPipeline: typeof createPipeline;
}

const DEPS: EngineDeps = { chooseDevice, ensureModel, readModel, createPipeline };

interface Loaded {
  session: ModelSession;
  pipeline: Pipeline;
  choice: DeviceChoice;
  report: CapabilityReport;
}

export class Engine {
  readonly #emit: (event: EngineEvent) => void;
  readonly #deps: EngineDeps;
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
            liveTensors: this.#loaded?.session.liveTensors ?? 0,
            liveGpuBuffers: gpuBufferCensus(this.#gpuChoice?.gpu ?? null)?.count ?? null,
            largestGpuBufferBytes: gpuBufferCensus(this.#gpuChoice?.gpu ?? null)?.largest ?? null,
            requestsServed: this.#served,
          },
        });
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
    checkLoadRequest(request);
    const stopped = (): void => {
      if (signal.aborted) throw new EngineError('aborted', 'The load was stopped.');
    };
    const started = performance.now();
    const choice = request.device === 'wasm' ? await this.#deps.chooseDevice('wasm') : await this.#gpu(request.device);
    if (this.#running) this.#running.device = choice;
    const { dtype, notes } = chooseDtype(request.dtype, choice);
    const { id, repo, source, chunkBytes } = request;
    const origin = self.location.origin;
    const { model: stored, addedBytes: downloadedBytes } = await this.#deps.ensureModel({ repo, dtype, source, origin, chunkBytes, signal }, (p) =>
      this.#emit({ kind: 'progress', id, phase: 'download', ...p }),
    );
    stopped();
    let lastVerify = 0;
    const { files, repairedChunks } = await this.#deps.readModel(stored, {
      source,
      origin,
      onProgress: (bytesDone, bytesTotal) => {
        if (bytesDone < bytesTotal && performance.now() - lastVerify < 100) return;
        lastVerify = performance.now();
        this.#emit({ kind: 'progress', id, phase: 'verify', bytesDone, bytesTotal });
      },
    });
    stopped();
    const tokenizer = createTokenizer(files.tokenizerJson, files.tokenizerConfig);
    checkTokenizer(tokenizer, files.config, files.generationConfig, repo);
    this.#emit({ kind: 'progress', id, phase: 'compile' });
    const graph = prepareGraph(files.model, { ropeScaling: request.ropeScaling, logitsSlice: request.logitsSlice, config: files.config });
    const weightBytes = files.model.byteLength + files.externalData.reduce((sum, f) => sum + f.data.size, 0);
    files.model = new Uint8Array(0); // the rewritten graph replaces it; onnxruntime keeps its own copies
    const layers = configNumber(files.config, 'num_hidden_layers');
    const shape = { kvHeads: configNumber(files.config, 'num_key_value_heads'), headDim: configNumber(files.config, 'hidden_size') / configNumber(files.config, 'num_attention_heads') };
    const contextTokens = Math.min(request.maxContextTokens ?? Infinity, graph.contextTokens ?? configNumber(files.config, 'max_position_embeddings'));
    const unpackBytes =
      choice.device !== 'wasm'
        ? 0
        : (request.unpackBytes ?? unpackAllowance({ deviceMemoryBytes: deviceMemoryBytes(), weightBytes, kvBytesPerToken: layers * 2 * shape.kvHeads * shape.headDim * 4, contextTokens }));
    stopped();
    const { pipeline: cache, stages } = await this.#deps.createPipeline({
      model: graph.model,
      files,
      choice,
      layers,
      shape,
      stages: request.stages,
      bufferLimit: request.bufferLimitBytes,
      unpackBytes,
      onStage: (index, count) => this.#emit({ kind: 'progress', id, phase: 'compile', stage: index + 1, stages: count }),
      signal,
    });
    let loaded: Loaded;
    try {
      const contract = readGraphContract(cache.info, files.config, graph.contextTokens, request.maxContextTokens);
      const decoder = new Decoder(contract, Math.min(request.bufferLimitBytes ?? Infinity, choice.gpu?.limits.maxStorageBufferBindingSize ?? Infinity));
      const session = new ModelSession({
        decoder,
        cache,
        encoder: new PromptEncoder(tokenizer),
        contract,
        generationConfig: files.generationConfig,
        // Token bytes now, so tokenizer.json can go; the grammar's index is built on first use.
        vocabulary: vocabularyFromTokenizerJson(files.tokenizerJson, contract.vocab),
      });
      stopped();
      const loadMs = performance.now() - started;
      this.#emit({ kind: 'progress', id, phase: 'warmup' });
      // Warm-up: decode steps (on WebGPU, timing each lm_head row minimum) and a prefill compile the
      // shaders before the first user token.
      const logitsRows = choice.device === 'webgpu' && contract.hasLogitsRows ? await decoder.tuneMinLogitsRows(cache, WEBGPU_LOGITS_ROWS_CANDIDATES) : null;
      if (!logitsRows) await decoder.step([0], cache);
      stopped();
      await decoder.prefill([1, 2], cache);
      cache.clear();
      const report: CapabilityReport = {
        repo: request.repo,
        device: choice.device,
        notes: [...choice.notes, ...notes, ...graph.notes],
        adapter: choice.adapter,
        shaderF16: choice.shaderF16,
        dtype,
        kvType: contract.kvType,
        layers: contract.layers,
        contextTokens: contract.contextTokens,
        kvBytesPerToken: contract.layers * 2 * contract.kvHeads * contract.headDim * (contract.kvType === 'float16' ? 2 : 4),
        hasPositionIds: contract.hasPositionIds,
        loadMs,
        warmupMs: performance.now() - started - loadMs,
        defaults: session.defaults,
        downloadedBytes,
        repairedChunks,
        stages,
        logitsRows,
      };
      if (stages.length > 1) report.notes.push(`The model runs as ${stages.length} stages (layers ${stages.map((s) => `${s.layers[0]}–${s.layers[1] - 1}`).join(', ')}), so no part needs more memory than one ${choice.device === 'wasm' ? 'WASM heap' : 'GPU buffer and load step'} has.`);
      // A device lost during the warm-up: its model is not kept.
      if (choice.gpu && this.#gpuChoice !== choice) throw new EngineError('device_lost', 'The GPU stopped responding (device lost) while the model loaded. Load it again and a new GPU device is set up.');
      loaded = { session, pipeline: cache, choice, report };
    } catch (error) {
      // Sessions, stage workers and GPU buffers made so far go with the failed load.
      await cache.release().catch(() => undefined);
      throw error;
    }
    this.#loaded = loaded;
    this.#emit({ kind: 'loaded', id: request.id, report: loaded.report });
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
      onDelta: (delta) => this.#emit({ kind: 'token', id: request.id, delta }),
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
    loaded.session.dispose();
    await loaded.pipeline.release();
  }
}

/** navigator.deviceMemory: Chromium's, in GiB, at most 8; absent elsewhere. */
function deviceMemoryBytes(): number {
  return systemMemoryBytes((navigator as Navigator & { deviceMemory?: number }).deviceMemory);
}
