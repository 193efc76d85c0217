// The UI thread's handle on the engine worker: typed requests with ids, pending promises by id,
// streamed deltas to a callback, AbortSignal mapped to an abort request. A worker that crashes
// fails its pending requests (engine_crashed) and is replaced by a fresh one on the next request.
import { EngineError } from '../../../workers/protocol/errors.ts';
import type {
  LoadReport,
  DoneEvent,
  EngineEvent,
  EngineRequest,
  GenerateInput,
  EngineStats,
  LoadRequest,
  ProgressEvent,
  ScoreRequest,
  ScoresEvent,
  SpedUpEvent,
  StoredModelSummary,
  WorkerEvent,
  WorkerRequest,
} from '../../../workers/protocol/messages.ts';
import type { GenerateHooks, GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';

type Payload<T extends EngineRequest> = Omit<T, 'kind' | 'id'>;
export type ScoreResult = Omit<ScoresEvent, 'kind' | 'id'>;

interface Pending {
  resolve: (event: WorkerEvent) => void;
  reject: (error: EngineError) => void;
  onEvent?: (event: WorkerEvent) => void;
}

let nextId = 0;

const engineWorker = (): Worker => new Worker(new URL('../../../workers/engine/engine.worker.ts', import.meta.url), { type: 'module' });

export class EngineClient implements TextGenerator {
  readonly #createWorker: () => Worker;
  /** Null after a crash until the next request starts a fresh one. */
  #worker: Worker | null;
  readonly #pending = new Map<string, Pending>();
  /** Loaded models' speed-up listeners, by load id: the event comes after the load has resolved. */
  readonly #speedUps = new Map<string, (outcome: SpedUpEvent['outcome']) => void>();

  constructor(createWorker: () => Worker = engineWorker) {
    this.#createWorker = createWorker;
    this.#worker = this.#start();
  }

  #start(): Worker {
    const worker = this.#createWorker();
    worker.onmessage = (message: MessageEvent<WorkerEvent>) => this.#receive(message.data);
    // An error that escapes the engine (a WASM abort, a bug) leaves its state unknown: treat it as a crash.
    worker.onerror = (event: ErrorEvent) => this.#crashed(worker, event.message);
    return worker;
  }

  #crashed(worker: Worker, cause: string): void {
    if (worker !== this.#worker) return;
    worker.terminate();
    this.#worker = null;
    const error = new EngineError('engine_crashed', 'The engine stopped unexpectedly and was restarted; the loaded model is gone. Load the model again.', { cause });
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    this.#speedUps.clear();
  }

  /**
   * Downloads the model if it is not stored yet, then loads it; `signal` stops a download (it
   * resumes next time). When the report has a speedUp, `onSpedUp` later hears how it ended.
   */
  load(options: Payload<LoadRequest>, onProgress?: (p: ProgressEvent) => void, signal?: AbortSignal, onSpedUp?: (outcome: SpedUpEvent['outcome']) => void): Promise<LoadReport> {
    const id = newId();
    if (onSpedUp) this.#speedUps.set(id, onSpedUp);
    return this.#call({ kind: 'load', id, ...options }, (e) => e.kind === 'progress' && onProgress?.(e))
      .then((e) => {
        const { report } = e as Extract<EngineEvent, { kind: 'loaded' }>;
        if (!report.speedUp) this.#speedUps.delete(id);
        return report;
      })
      .catch((error: unknown) => {
        this.#speedUps.delete(id);
        throw error;
      })
      .finally(this.#abortOn(id, signal));
  }

  generate(payload: GeneratePayload, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    const id = newId();
    let text = '';
    const onEvent = (e: WorkerEvent): void => {
      if (e.kind !== 'token') return;
      text += e.delta;
      hooks.onDelta?.(e.delta, e.logprobs);
    };
    return this.#call({ kind: 'generate', id, ...payload }, onEvent)
      .then(
        (e) => {
          const { kind: _kind, id: _id, ...result } = e as DoneEvent;
          return result;
        },
        // A stop during the prompt's prefill (or an unload under it) comes back as an 'aborted'
        // error; the contract makes every stop an answer.
        (error: EngineError) => {
          if (error.code === 'aborted') return stoppedResult(text);
          throw error;
        },
      )
      .finally(this.#abortOn(id, hooks.signal));
  }

  /** Teacher forcing: each answer token's rank and top candidates under this engine's model. */
  score(options: Payload<ScoreRequest>, signal?: AbortSignal): Promise<ScoreResult> {
    const id = newId();
    return this.#call({ kind: 'score', id, ...options })
      .then((e) => {
        const { kind: _kind, id: _id, ...result } = e as ScoresEvent;
        return result;
      })
      .finally(this.#abortOn(id, signal));
  }

  async unload(): Promise<void> {
    await this.#call({ kind: 'unload', id: newId() });
  }

  async stats(): Promise<EngineStats> {
    const event = await this.#call({ kind: 'stats', id: newId() });
    return (event as Extract<EngineEvent, { kind: 'stats' }>).stats;
  }

  /** The loaded model's count of `input` in tokens, and its context window. */
  async count(input: GenerateInput): Promise<{ promptTokens: number; contextTokens: number }> {
    const event = (await this.#call({ kind: 'count', id: newId(), input })) as Extract<EngineEvent, { kind: 'counted' }>;
    return { promptTokens: event.promptTokens, contextTokens: event.contextTokens };
  }

  /** The stored models, listed by the worker that downloads them. */
  async storedModels(): Promise<StoredModelSummary[]> {
    const event = await this.#call({ kind: 'stored-models', id: newId() });
    return (event as Extract<WorkerEvent, { kind: 'stored-models' }>).models;
  }

  /** Deletes one stored model, or every one without `key`, under the lock downloads and loads take. */
  async deleteStored(key?: string): Promise<void> {
    await this.#call({ kind: 'delete-stored', id: newId(), ...(key === undefined ? {} : { key }) });
  }

  /** What keeps the engine from enforcing `format` (its shape, its JSON Schema); empty when nothing. */
  async checkFormat(format: unknown): Promise<string[]> {
    const event = await this.#call({ kind: 'check-format', id: newId(), format });
    return (event as Extract<WorkerEvent, { kind: 'format-checked' }>).problems;
  }

  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new EngineError('internal', 'The engine was stopped.'));
    this.#pending.clear();
    this.#speedUps.clear();
  }

  /** Sends an abort for request `id` when `signal` fires; returns the listener's removal. */
  #abortOn(id: string, signal: AbortSignal | undefined): () => void {
    const onAbort = (): void => this.#post({ kind: 'abort', id: newId(), target: id });
    signal?.addEventListener('abort', onAbort, { once: true });
    return () => signal?.removeEventListener('abort', onAbort);
  }

  #call(request: WorkerRequest, onEvent?: (event: WorkerEvent) => void): Promise<WorkerEvent> {
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject, onEvent });
      this.#post(request);
    });
  }

  #post(request: WorkerRequest): void {
    (this.#worker ??= this.#start()).postMessage(request);
  }

  #receive(event: WorkerEvent): void {
    if (event.kind === 'sped-up') {
      this.#speedUps.get(event.id)?.(event.outcome);
      this.#speedUps.delete(event.id);
      return;
    }
    const pending = this.#pending.get(event.id);
    if (!pending) return;
    switch (event.kind) {
      case 'progress':
      case 'token':
        pending.onEvent?.(event);
        return;
      case 'error':
        this.#pending.delete(event.id);
        pending.reject(EngineError.from(event.error));
        return;
      case 'loaded':
      case 'done':
      case 'scores':
      case 'stats':
      case 'counted':
      case 'unloaded':
      case 'stored-models':
      case 'deleted':
      case 'format-checked':
        this.#pending.delete(event.id);
        pending.resolve(event);
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }
}

/** What a stop before the engine's own answer leaves: the text so far, no counts. */
function stoppedResult(text: string): GenerateResult {
  return {
    text,
    tokenIds: [],
    stats: { promptTokens: 0, reusedTokens: 0, prefillTokens: 0, prefillTokensPerSecond: 0, decodeTokens: 0, decodeTokensPerSecond: 0, timeToFirstTokenMs: 0, finishReason: 'abort' },
  };
}

function newId(): string {
  nextId += 1;
  return `r${nextId}`;
}
