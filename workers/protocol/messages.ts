// The contract between the UI thread and the engine worker: one discriminated union each way.
// Every request carries an id; every event names the request it answers.
import type { ResponseFormat } from './response-format.ts';
import type { SamplingOptions, SamplingParams } from './sampling-rules.ts';
import type { ModelSource } from './model-source.ts';
import type { EngineErrorShape } from './errors.ts';
import type { TokenLogprob } from './logprobs.ts';
import type { ToolCall, ToolUse } from './tools.ts';

export type Device = 'webgpu' | 'wasm';
export type ModelDtype = 'q4' | 'q4f16' | 'fp32';
export type WeightsFormat = 'onnx' | 'safetensors';
/** What a converted model was built from: Qwen's GPTQ or AWQ release, or float (bf16/fp16) weights. */
export type ConvertedFrom = 'gptq' | 'awq' | 'float';
export type FinishReason = 'stop' | 'length' | 'abort';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant turn's tool calls (its content may then be empty). */
  toolCalls?: ToolCall[];
  /** A tool turn: the call it answers. */
  toolCallId?: string;
}

export interface GenerationDefaults {
  /** Every field set, as the engine applies them when a request leaves them out. */
  sampling: SamplingParams;
  maxTokens: number;
}

export interface LoadRequest {
  kind: 'load';
  id: string;
  /** Where to download from when the model is not stored yet (Hugging Face, a mirror, ModelScope, this site). */
  source: ModelSource;
  repo: string;
  /**
   * What the repo holds: ONNX exports (the default, onnx-community's layout) or Qwen's own
   * safetensors release (bf16, GPTQ-Int4, AWQ), converted to INT4 ONNX in the browser once,
   * after the download, and stored converted.
   */
  weights?: WeightsFormat;
  dtype?: ModelDtype;
  device?: Device;
  /** Bytes per stored chunk for a new download (default 32 MiB); tests use small chunks. */
  chunkBytes?: number;
  /**
   * Opt-in: YaRN on the rotary embedding (factor 4 unless config.json's rope_scaling says
   * otherwise), so a 32,768-token Qwen2.5 reads 131,072 (the report's contextTokens, or a note why not).
   */
  ropeScaling?: 'yarn';
  /**
   * Run the lm_head only on the positions sampled (graph-rewrite/logits-slice.ts). Default: on;
   * the bench turns it off to measure what it saves.
   */
  logitsSlice?: boolean;
  /**
   * Context to plan for, below the model's own when memory is short (the catalog's capability
   * check: "fits with a shorter context"); prompts beyond it get context_length_exceeded.
   */
  maxContextTokens?: number;
  /** Split into this many stages (workers) even when the weights fit one; tests and benchmarks set it. */
  stages?: number;
  /**
   * Plan for GPU buffers of at most this many bytes, below the adapter's own limit, as on a smaller
   * GPU: tensors above it are split. Tests set it to show the split on an adapter with large limits.
   */
  bufferLimitBytes?: number;
  /**
   * WASM: memory that unpacking 4-bit weights to float32 may add (onnxruntime-web's WASM
   * MatMulNBits unpacks its whole weight on every call). Default: what half the system memory
   * leaves after the weights and the KV caches of the planned context; 0 turns it off.
   */
  unpackBytes?: number;
  /**
   * WASM: serve on the 4-bit kernels at once and swap the unpacked weights in when they are built
   * (LoadReport.speedUp). Default: when the unpack is large enough to make the load slow; false
   * waits for it; true does it for any size (tests).
   */
  fastStart?: boolean;
}

export type GenerateInput = { mode: 'chat'; messages: ChatMessage[] } | { mode: 'completion'; prompt: string };

export interface GenerateRequest {
  kind: 'generate';
  id: string;
  input: GenerateInput;
  sampling?: SamplingOptions;
  /** Defaults to the generation_config's max_new_tokens, else 512. */
  maxTokens?: number;
  stop?: string[];
  /** JSON mode or a JSON Schema, enforced token by token: the answer always parses and validates. */
  responseFormat?: ResponseFormat;
  /** Tools shown to the model; a call that comes out is guaranteed to name one and match its parameters. */
  tools?: ToolUse;
  /** Recompute the whole prompt instead of reusing the KV cache (benchmarks, cold-run checks). */
  freshCache?: boolean;
  /**
   * Report each generated token's log-probability (raw logits, logprobs.ts) with this many top
   * alternatives (TOP_LOGPROBS_BOUND); absent: none, and no cost.
   */
  logprobs?: number;
}

/**
 * Teacher forcing: the prompt and a given answer in one prefill pass, and for each answer token
 * the model's rank of it and its top candidates (the alignment diff of the compare view).
 */
export interface ScoreRequest {
  kind: 'score';
  id: string;
  /** The context the answer followed, rendered and encoded as a generate request's input is. */
  input: GenerateInput;
  /** The answer's token ids; a trailing end-of-sequence token is not part of the text and is not scored. */
  answerIds: number[];
}

export interface AbortRequest {
  kind: 'abort';
  id: string;
  /** The generate or load request to stop (a stopped download resumes on the next load). */
  target: string;
}

export interface UnloadRequest {
  kind: 'unload';
  id: string;
}

export interface StatsRequest {
  kind: 'stats';
  id: string;
}

/**
 * How many tokens `input` is for the loaded model (its tokenizer and chat template), answered at
 * once: the chat counts a message and its attachments against the context before sending.
 */
export interface CountRequest {
  kind: 'count';
  id: string;
  input: GenerateInput;
}

export type EngineRequest = LoadRequest | GenerateRequest | ScoreRequest | AbortRequest | UnloadRequest | StatsRequest | CountRequest;

/** The stored models, as the model store lists them. */
export interface StoredModelsRequest {
  kind: 'stored-models';
  id: string;
}

/** Deletes one stored model (by its key), or every one, under the lock downloads and loads take:
 * a running download of it stops, a load of it is waited for. */
export interface DeleteStoredRequest {
  kind: 'delete-stored';
  id: string;
  /** Absent: every model, and chunks left without a record. */
  key?: string;
}

/** Whether the engine can enforce `format` (its shape and its JSON Schema), before a request uses it. */
export interface CheckFormatRequest {
  kind: 'check-format';
  id: string;
  format: unknown;
}

/** What the worker answers at once, beside the engine's queue. */
export type WorkerSideRequest = StoredModelsRequest | DeleteStoredRequest | CheckFormatRequest;

const SIDE_REQUEST_KINDS: readonly string[] = ['stored-models', 'delete-stored', 'check-format'] satisfies WorkerSideRequest['kind'][];

export function isSideRequest(request: WorkerRequest): request is WorkerSideRequest {
  return SIDE_REQUEST_KINDS.includes(request.kind);
}

/** Everything the UI sends the engine worker. */
export type WorkerRequest = EngineRequest | WorkerSideRequest;

/** What the engine ended up running, reported once a load completes. */
export interface LoadReport {
  repo: string;
  device: Device;
  /** Why the engine is not on WebGPU, or why it chose another dtype than asked. */
  notes: string[];
  adapter: string | null;
  shaderF16: boolean;
  dtype: ModelDtype;
  kvType: 'float32' | 'float16';
  layers: number;
  contextTokens: number;
  /** KV-cache bytes each token of context takes, so the UI can show the memory before it runs out. */
  kvBytesPerToken: number;
  /**
   * The KV cache is one buffer per layer sized to the whole context, written in place by the
   * attention op (WebGPU, GroupQueryAttention graphs); else it grows by a copy each step.
   */
  kvInPlace: boolean;
  hasPositionIds: boolean;
  loadMs: number;
  warmupMs: number;
  /** The model's generation_config.json defaults, as the engine applies them. */
  defaults: GenerationDefaults;
  /** Bytes this load added to the store (0 when the model was already stored). */
  downloadedBytes: number;
  /** Stored chunks that failed their checksum and were downloaded again. */
  repairedChunks: number;
  /** What the stored ONNX model was converted from in this browser (Qwen's GPTQ, AWQ or bf16 release); null for an ONNX export. */
  converted: ConvertedFrom | null;
  /** The stages the model runs as (one unless it was split at load: split/), each its layers and weights. */
  stages: StageReport[];
  /** On WebGPU, the fewest rows the lm_head runs on, as the warm-up measured it (decoder.ts); null elsewhere. */
  logitsRows: LogitsRowsTune | null;
  /**
   * WASM: the model serves on its 4-bit kernels while its faster unpacked weights are built; a
   * `sped-up` event follows. Null when the model loaded at full speed.
   */
  speedUp: SpeedUpPlan | null;
}

export interface SpeedUpPlan {
  /** Float32 values unpacked from 4-bit weights once the swap is made. */
  unpackedBytes: number;
  /** Until then, the longest request served (the 4-bit copy holds the memory of the rest): longer ones wait for the swap. */
  contextTokens: number;
}

export interface LogitsRowsTune {
  minimum: number;
  /** The fastest decode step with each minimum tried, in ms. */
  stepMs: Record<number, number>;
}

export interface StageReport {
  /** Decoder layers [first, end). */
  layers: [number, number];
  weightBytes: number;
  /** Of weightBytes, float32 values unpacked from 4-bit weights at load. */
  unpackedBytes: number;
  /** In its own worker (a WASM heap of its own), or in the engine's. */
  worker: boolean;
}

export interface GenerationStats {
  promptTokens: number;
  reusedTokens: number;
  prefillTokens: number;
  prefillTokensPerSecond: number;
  decodeTokens: number;
  decodeTokensPerSecond: number;
  timeToFirstTokenMs: number;
  finishReason: FinishReason;
}

export interface EngineStats {
  loaded: boolean;
  cachedTokens: number;
  /** Tensors the engine holds (KV cache), and GPU buffers alive on the device it created. */
  liveTensors: number;
  /** KV tensors made since the load: steady when the cache is written in place, two per layer per step when it grows. */
  kvTensorsMade: number;
  liveGpuBuffers: number | null;
  /** The largest GPU buffer created on that device so far (null on WASM). */
  largestGpuBufferBytes: number | null;
  requestsServed: number;
}

/** A download's progress: bytes per file and for the whole model, speed, time left. */
export interface DownloadProgress {
  file: string;
  fileBytesDone: number;
  fileBytesTotal: number;
  totalDone: number;
  totalBytes: number;
  /** null until there are enough samples to say. */
  bytesPerSecond: number | null;
  etaSeconds: number | null;
}

export type ProgressEvent = { kind: 'progress'; id: string } & (
  | ({ phase: 'download' } & DownloadProgress)
  | { phase: 'verify'; bytesDone: number; bytesTotal: number }
  /** Building the INT4 ONNX model from a safetensors checkpoint: parts (tables, decoder layers) done. */
  | { phase: 'convert'; partsDone: number; partsTotal: number; sourceBytes: number }
  /** `stage` of `stages` when the model is created in parts (split at load). */
  | { phase: 'compile'; stage?: number; stages?: number }
  | { phase: 'warmup' }
);

export interface LoadedEvent {
  kind: 'loaded';
  id: string;
  report: LoadReport;
}

/** After a load whose report has a speedUp: the unpacked pipeline serves from now on, or it failed and the 4-bit one goes on. */
export interface SpedUpEvent {
  kind: 'sped-up';
  /** The load's id. */
  id: string;
  outcome: { stages: StageReport[]; buildMs: number } | { error: EngineErrorShape };
}

export interface TokenEvent {
  kind: 'token';
  id: string;
  /** Stable text: never half a UTF-8 character, never part of a stop string. */
  delta: string;
  /** When asked for: the tokens generated since the last event (a last one may have no text). */
  logprobs?: TokenLogprob[];
}

export interface DoneEvent {
  kind: 'done';
  id: string;
  text: string;
  tokenIds: number[];
  stats: GenerationStats;
  /** When asked for: every generated token but a closing end-of-sequence one, as the token events carried them. */
  logprobs?: TokenLogprob[];
}

export interface TokenCandidate {
  id: number;
  /** The token on its own, decoded (a piece of a multi-byte character shows as U+FFFD). */
  text: string;
  probability: number;
}

export interface TokenScore {
  id: number;
  /** The text this token completes in the answer: empty for the first bytes of a character split over tokens. */
  text: string;
  /** 1 + the number of vocabulary entries with a strictly greater logit (1 = the model's own first choice). */
  rank: number;
  /** The softmax probability of this token (temperature 1, no processors). */
  probability: number;
  /** The model's most likely next tokens, best first (ties: lower id first). */
  top: TokenCandidate[];
}

export interface ScoresEvent {
  kind: 'scores';
  id: string;
  /** The prompt as encoded, so both models of a comparison can be shown to have read the same ids. */
  promptIds: number[];
  tokens: TokenScore[];
  durationMs: number;
}

export interface StatsEvent {
  kind: 'stats';
  id: string;
  stats: EngineStats;
}

export interface UnloadedEvent {
  kind: 'unloaded';
  id: string;
}

export interface ErrorEvent {
  kind: 'error';
  id: string;
  error: EngineErrorShape;
}

export interface StoredModelSummary {
  key: string;
  repo: string;
  dtype: ModelDtype;
  state: 'downloading' | 'ready';
  /** Bytes stored, and the model's full size. */
  bytes: number;
  totalBytes: number;
  sourceTemplate: string;
}

export interface StoredModelsEvent {
  kind: 'stored-models';
  id: string;
  models: StoredModelSummary[];
}

export interface DeletedEvent {
  kind: 'deleted';
  id: string;
}

export interface FormatCheckedEvent {
  kind: 'format-checked';
  id: string;
  /** One sentence per problem; empty when the engine can enforce the format. */
  problems: string[];
}

export interface CountedEvent {
  kind: 'counted';
  id: string;
  promptTokens: number;
  /** The loaded model's context window. */
  contextTokens: number;
}

export type EngineEvent = ProgressEvent | LoadedEvent | SpedUpEvent | TokenEvent | DoneEvent | ScoresEvent | StatsEvent | CountedEvent | UnloadedEvent | ErrorEvent;

/** Everything the engine worker sends the UI. */
export type WorkerEvent = EngineEvent | StoredModelsEvent | DeletedEvent | FormatCheckedEvent;
