// Loads one model in named phases: validate the request, choose the device, fetch the files,
// prepare the graph, build the pipeline while the stored chunks are checked, warm up, report. An abort stops the load between
// phases, and a failure once the pipeline exists releases it. The store, onnxruntime and the
// browser's facts come in LoaderDeps, the device from the engine (LoadContext), so a whole load
// runs in Node on fakes. The engine (engine.ts) queues loads and serves the model one returns.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from '../protocol/errors.ts';
import type { LoadReport, Device, LoadRequest, LogitsRowsTune, ModelDtype, ProgressEvent, SpeedUpPlan, StageReport } from '../protocol/messages.ts';
import { vocabularyFromTokenizerJson } from '../grammar/index.ts';
import type { Converter, ensureModel } from '../store/model-download.ts';
import type { ConvertProgress } from '../convert/convert-stored.ts';
import type { ModelFiles, ReadReport, openModel } from '../store/model-reader.ts';
import { Decoder, WEBGPU_LOGITS_ROWS_CANDIDATES } from './decoder.ts';
import type { DeviceChoice } from './gpu-device.ts';
import { configNumber, readGraphContract, type GraphContract } from './graph-contract.ts';
import { prepareGraph, type PreparedGraph } from './graph-rewrite/prepare.ts';
import { checkLoadRequest, chooseDtype } from './load-request.ts';
import type { Pipeline } from './pipeline.ts';
import { PromptEncoder, createTokenizer } from './prompt-encoder.ts';
import { ModelSession } from './session.ts';
import { speedUpContextTokens, unpackAllowance } from '../protocol/memory-limits.ts';
import { pipelineUnpack, type createPipeline } from './split/load-stages.ts';
import { FAST_START_MIN_CONTEXT, FAST_START_UNPACK_BYTES, SpeedUp } from './speed-up.ts';
import type { KvShape } from './stage-session.ts';
import { checkTokenizer } from './tokenizer-check.ts';

/** What a load reaches beyond the engine worker: the store, onnxruntime, and facts only a browser has. */
export interface LoaderDeps {
  ensureModel: typeof ensureModel;
  openModel: typeof openModel;
  /** Builds a safetensors checkpoint's ONNX model in the store (workers/convert/convert-stored.ts). */
  converter: (onProgress: (p: ConvertProgress) => void) => Converter;
  createPipeline: typeof createPipeline;
  /** The app's origin (self.location.origin), for sources given as a path. */
  origin: () => string;
  /** System memory (navigator.deviceMemory), which bounds unpacking weights on WASM. */
  deviceMemoryBytes: () => number;
}

/** What the engine lends one load. */
export interface LoadContext {
  signal: AbortSignal;
  emit: (event: ProgressEvent) => void;
  /** The engine keeps one WebGPU device across loads and watches it for loss. */
  chooseDevice: (requested: Device | undefined) => Promise<DeviceChoice>;
  /** False once the device is lost: a model warmed up on a lost device is not kept. */
  isLive: (choice: DeviceChoice) => boolean;
}

/** A loaded model: the session that serves it, the pipeline it runs on, its device and its report. */
export interface Loaded {
  session: ModelSession;
  pipeline: Pipeline;
  choice: DeviceChoice;
  report: LoadReport;
  /** Started: the unpacked pipeline being built for the engine to swap in (WASM fast start). */
  speedUp: SpeedUp | null;
}

/** One load in progress, once its device is chosen: what every later phase reads. */
interface Load {
  request: LoadRequest;
  choice: DeviceChoice;
  dtype: ModelDtype;
  signal: AbortSignal;
  emit: (event: ProgressEvent) => void;
}

interface Fetched {
  files: ModelFiles;
  /** The check of the external data, which runs on while the pipeline is built (openModel). */
  checked: Promise<ReadReport>;
  /** Whether the check's progress is shown: not while the pipeline's own progress is. */
  checkProgress: { shown: boolean };
  converted: LoadReport['converted'];
  tokenizer: PreTrainedTokenizer;
  downloadedBytes: number;
}

/** The files with the rewritten graph, and what the pipeline is built with. */
interface Prepared extends Fetched {
  graph: PreparedGraph;
  layers: number;
  shape: KvShape;
  unpackBytes: number;
  deviceMemoryBytes: number;
  weightBytes: number;
  /** Float32 KV (WASM's), for the memory sums. */
  kvBytesPerToken: number;
}

/** The pipeline and the graph it was built from. */
interface Built extends Serving {
  prepared: Prepared;
  /** Chunks the check repaired (the pipeline was then built again). */
  repairedChunks: number;
}

/** A pipeline to serve from, and on a fast start the speed-up planned for it (speed-up.ts). */
interface Serving extends Awaited<ReturnType<typeof createPipeline>> {
  speedUp: SpeedUpPlan | null;
}

/** full: the pipeline as planned; fast-start: its 4-bit weights as they are, each stage in a worker (released with its heap after the swap); speed-up: the full one built beside it, each stage in a worker. */
type BuildMode = 'full' | 'fast-start' | 'speed-up';

interface Opened {
  contract: GraphContract;
  decoder: Decoder;
  session: ModelSession;
}

export class ModelLoader {
  readonly #deps: LoaderDeps;

  constructor(deps: LoaderDeps) {
    this.#deps = deps;
  }

  async load(request: LoadRequest, context: LoadContext): Promise<Loaded> {
    checkLoadRequest(request);
    const started = performance.now();
    const { choice, dtype, notes } = await chooseDevice(request, context);
    const load: Load = { request, choice, dtype, signal: context.signal, emit: context.emit };
    const fetched = await this.#fetchAndVerify(load);
    stopIfAborted(load.signal);
    const { prepared, pipeline, stages, repairedChunks, speedUp: plan } = await this.#checkedPipeline(load, fetched);
    // Built once the load is served (start below), so `opened` is there by then.
    let opened: Opened | null = null;
    const speedUp = plan && new SpeedUp(pipeline, plan, (signal) => this.#speedUpPipeline(load, prepared, opened!.decoder, signal));
    try {
      opened = openSession(load, prepared, pipeline, speedUp);
      stopIfAborted(load.signal);
      const loadMs = performance.now() - started;
      const logitsRows = await warmUp(load, opened, pipeline);
      const report = capabilityReport(load, {
        notes: [...choice.notes, ...notes, ...prepared.graph.notes],
        opened,
        fetched: prepared,
        speedUp: plan,
        repairedChunks,
        stages,
        logitsRows,
        loadMs,
        warmupMs: performance.now() - started - loadMs,
      });
      if (!context.isLive(choice)) throw new EngineError('device_lost', 'The GPU stopped responding (device lost) while the model loaded. Load it again and a new GPU device is set up.');
      speedUp?.start();
      return { session: opened.session, pipeline, choice, report, speedUp };
    } catch (error) {
      // Sessions, stage workers and GPU buffers made so far go with the failed load.
      await pipeline.release().catch(() => undefined);
      throw error;
    }
  }

  /** Downloads what the store lacks, starts the check of every stored chunk, and checks the tokenizer against the model. */
  async #fetchAndVerify({ request, dtype, signal, emit }: Load): Promise<Fetched> {
    const { id, repo, source, chunkBytes, weights } = request;
    const origin = this.#deps.origin();
    // Given whatever the request says: with no weights format, the store reads it from the repo's files.
    const convert = this.#deps.converter((p) => emit({ kind: 'progress', id, phase: 'convert', ...p }));
    const { model: stored, addedBytes: downloadedBytes } = await this.#deps.ensureModel({ repo, dtype, source, origin, chunkBytes, signal, weights, convert }, (p) =>
      emit({ kind: 'progress', id, phase: 'download', ...p }),
    );
    stopIfAborted(signal);
    let lastVerify = 0;
    const checkProgress = { shown: true };
    const { files, checked } = await this.#deps.openModel(stored, {
      source,
      origin,
      onProgress: (bytesDone, bytesTotal) => {
        if (!checkProgress.shown || (bytesDone < bytesTotal && performance.now() - lastVerify < 100)) return;
        lastVerify = performance.now();
        emit({ kind: 'progress', id, phase: 'verify', bytesDone, bytesTotal });
      },
    });
    stopIfAborted(signal);
    const tokenizer = createTokenizer(files.tokenizerJson, files.tokenizerConfig);
    checkTokenizer(tokenizer, files.config, files.generationConfig, repo);
    return { files, checked, checkProgress, tokenizer, downloadedBytes, converted: stored.conversion?.format ?? null };
  }

  /** The load-time rewrites, then the memory plan: KV shape, context, and what unpacking may take on WASM. */
  #prepareGraph({ request, choice, emit }: Load, fetched: Fetched): Prepared {
    const { files } = fetched;
    emit({ kind: 'progress', id: request.id, phase: 'compile' });
    const heads = configNumber(files.config, 'num_attention_heads');
    const attention = { heads, kvHeads: configNumber(files.config, 'num_key_value_heads'), headDim: configNumber(files.config, 'hidden_size') / heads };
    const graph = prepareGraph(files.model, { ropeScaling: request.ropeScaling, logitsSlice: request.logitsSlice, attention: choice.device === 'webgpu' ? 'gqa' : 'plain', shape: attention, config: files.config });
    const weightBytes = files.model.byteLength + files.externalData.reduce((sum, f) => sum + f.data.size, 0);
    files.model = new Uint8Array(0); // the rewritten graph replaces it; onnxruntime keeps its own copies
    const layers = configNumber(files.config, 'num_hidden_layers');
    const contextTokens = Math.min(request.maxContextTokens ?? Infinity, graph.contextTokens ?? configNumber(files.config, 'max_position_embeddings'));
    const shape = { kvHeads: attention.kvHeads, headDim: attention.headDim, contextTokens };
    const kvBytesPerToken = layers * 2 * shape.kvHeads * shape.headDim * 4;
    const deviceMemoryBytes = this.#deps.deviceMemoryBytes();
    const unpackBytes = choice.device !== 'wasm' ? 0 : (request.unpackBytes ?? unpackAllowance({ deviceMemoryBytes, weightBytes, kvBytesPerToken, contextTokens }));
    return { ...fetched, graph, layers, shape, unpackBytes, deviceMemoryBytes, weightBytes, kvBytesPerToken };
  }

  /**
   * The graph prepared and the pipeline built while the stored chunks are checked. A chunk the
   * check repaired means they were made from bad bytes (which may even have failed the build), so
   * both are made again from the checked files.
   */
  async #checkedPipeline(load: Load, fetched: Fetched): Promise<Built> {
    const prepared = this.#prepareGraph(load, fetched);
    fetched.checkProgress.shown = false;
    const built = await this.#servingPipeline(load, prepared).then(
      (made) => ({ made, error: null }),
      (error: unknown) => ({ made: null, error }),
    );
    fetched.checkProgress.shown = true;
    if (built.error instanceof EngineError && built.error.code === 'aborted') throw built.error;
    let checked: ReadReport;
    try {
      checked = await fetched.checked;
      stopIfAborted(load.signal);
    } catch (error) {
      await built.made?.pipeline.release().catch(() => undefined);
      throw error;
    }
    if (checked.repairedChunks === 0) {
      if (!built.made) throw built.error;
      return { prepared, ...built.made, repairedChunks: 0 };
    }
    await built.made?.pipeline.release();
    const again = this.#prepareGraph(load, { ...fetched, files: checked.files });
    return { prepared: again, ...(await this.#servingPipeline(load, again)), repairedChunks: checked.repairedChunks };
  }

  /** The pipeline the load serves from: on WASM, a fast start when the unpack is worth it (speedUpPlan). */
  async #servingPipeline(load: Load, prepared: Prepared): Promise<Serving> {
    const { graph, unpackBytes, shape } = prepared;
    const speedUp = unpackBytes > 0 ? speedUpPlan(load.request, { ...prepared, model: graph.model, choice: load.choice, contextTokens: shape.contextTokens }) : null;
    return { ...(await this.#buildPipeline(load, prepared, speedUp ? 'fast-start' : 'full')), speedUp };
  }

  /** The speed-up's pipeline, its first runs made (they allocate) before it serves. */
  async #speedUpPipeline(load: Load, prepared: Prepared, decoder: Decoder, signal: AbortSignal): ReturnType<typeof createPipeline> {
    const made = await this.#buildPipeline(load, prepared, 'speed-up', signal);
    try {
      await firstRuns(decoder, made.pipeline);
      return made;
    } catch (error) {
      await made.pipeline.release().catch(() => undefined);
      throw error;
    }
  }

  #buildPipeline({ request, choice, signal, emit }: Load, prepared: Prepared, mode: BuildMode, buildSignal = signal): ReturnType<typeof createPipeline> {
    return this.#deps.createPipeline({
      model: prepared.graph.model,
      files: prepared.files,
      choice,
      layers: prepared.layers,
      shape: prepared.shape,
      stages: request.stages,
      bufferLimit: request.bufferLimitBytes,
      unpackBytes: mode === 'fast-start' ? 0 : prepared.unpackBytes,
      allInWorkers: mode !== 'full',
      // The speed-up is built while the model serves: no load progress.
      onStage: mode === 'speed-up' ? undefined : (index, count) => emit({ kind: 'progress', id: request.id, phase: 'compile', stage: index + 1, stages: count }),
      signal: buildSignal,
    });
  }
}

/**
 * Whether a WASM load starts on its 4-bit weights: when what it would unpack is large enough to
 * make the load slow (or the request asks), and the memory leaves a useful context while both
 * pipelines exist.
 */
function speedUpPlan(
  request: LoadRequest,
  facts: { model: Uint8Array; choice: DeviceChoice; unpackBytes: number; deviceMemoryBytes: number; weightBytes: number; kvBytesPerToken: number; contextTokens: number },
): SpeedUpPlan | null {
  if (request.fastStart === false) return null;
  const { unpackedBytes, addedBytes } = pipelineUnpack({ model: facts.model, choice: facts.choice, bufferLimit: request.bufferLimitBytes, unpackBytes: facts.unpackBytes });
  if (unpackedBytes === 0 || (request.fastStart !== true && unpackedBytes < FAST_START_UNPACK_BYTES)) return null;
  const contextTokens = speedUpContextTokens({ ...facts, addedBytes });
  return contextTokens >= Math.min(FAST_START_MIN_CONTEXT, facts.contextTokens) ? { unpackedBytes, contextTokens } : null;
}

function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new EngineError('aborted', 'The load was stopped.');
}

async function chooseDevice(request: LoadRequest, context: LoadContext): Promise<{ choice: DeviceChoice; dtype: ModelDtype; notes: string[] }> {
  const choice = await context.chooseDevice(request.device);
  return { choice, ...chooseDtype(request.dtype, choice) };
}

/** The pipeline's graph contract, and the decoder and session that serve requests on it. */
function openSession({ request, choice }: Load, { files, tokenizer, graph }: Prepared, pipeline: Pipeline, speedUp: SpeedUp | null): Opened {
  const contract = readGraphContract(pipeline.info, files.config, graph.contextTokens, request.maxContextTokens);
  const decoder = new Decoder(contract, Math.min(request.bufferLimitBytes ?? Infinity, choice.gpu?.limits.maxStorageBufferBindingSize ?? Infinity));
  const session = new ModelSession({
    decoder,
    cache: pipeline,
    encoder: new PromptEncoder(tokenizer),
    contract,
    generationConfig: files.generationConfig,
    roomFor: speedUp ? (tokens) => speedUp.roomFor(tokens) : undefined,
    // Token bytes now, so tokenizer.json can go; the grammar's index is built on first use.
    vocabulary: vocabularyFromTokenizerJson(files.tokenizerJson, contract.vocab),
  });
  return { contract, decoder, session };
}

/**
 * Decode steps (on WebGPU, timing each lm_head row minimum) and a prefill compile the shaders
 * before the first user token; the cache is left empty.
 */
async function warmUp({ request, choice, signal, emit }: Load, { contract, decoder }: Opened, pipeline: Pipeline): Promise<LogitsRowsTune | null> {
  emit({ kind: 'progress', id: request.id, phase: 'warmup' });
  const logitsRows = choice.device === 'webgpu' && contract.hasLogitsRows ? await decoder.tuneMinLogitsRows(pipeline, WEBGPU_LOGITS_ROWS_CANDIDATES) : null;
  stopIfAborted(signal);
  await firstRuns(decoder, pipeline, logitsRows !== null);
  return logitsRows;
}

/** A decode step (unless the tuning made them) and a prefill; the cache is left empty. */
async function firstRuns(decoder: Decoder, pipeline: Pipeline, stepped = false): Promise<void> {
  if (!stepped) await decoder.step([0], pipeline);
  await decoder.prefill([1, 2], pipeline);
  pipeline.clear();
}

interface ReportParts {
  notes: string[];
  opened: Opened;
  fetched: Fetched;
  speedUp: SpeedUpPlan | null;
  repairedChunks: number;
  stages: StageReport[];
  logitsRows: LogitsRowsTune | null;
  loadMs: number;
  warmupMs: number;
}

function capabilityReport({ request, choice, dtype }: Load, { notes, opened, fetched, speedUp, repairedChunks, stages, logitsRows, loadMs, warmupMs }: ReportParts): LoadReport {
  const { contract, session } = opened;
  const report: LoadReport = {
    repo: request.repo,
    device: choice.device,
    notes,
    adapter: choice.adapter,
    shaderF16: choice.shaderF16,
    dtype,
    kvType: contract.kvType,
    layers: contract.layers,
    contextTokens: contract.contextTokens,
    kvBytesPerToken: contract.layers * 2 * contract.kvHeads * contract.headDim * (contract.kvType === 'float16' ? 2 : 4),
    kvInPlace: session.kv.inPlace,
    hasPositionIds: contract.hasPositionIds,
    loadMs,
    warmupMs,
    defaults: session.defaults,
    downloadedBytes: fetched.downloadedBytes,
    repairedChunks,
    converted: fetched.converted,
    stages,
    logitsRows,
    speedUp,
  };
  if (stages.length > 1) {
    report.notes.push(
      `The model runs as ${stages.length} stages (layers ${stages.map((s) => `${s.layers[0]}–${s.layers[1] - 1}`).join(', ')}), so no part needs more memory than one ${choice.device === 'wasm' ? 'WASM heap' : 'GPU buffer and load step'} has.`,
    );
  }
  return report;
}
