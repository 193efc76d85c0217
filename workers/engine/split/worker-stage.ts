// A stage in its own worker (stage.worker.ts), seen from the engine worker as any other stage:
// inputs it reads go over as arrays, its outputs come back; requests keep their order. A worker
// that crashes fails the run waiting on it and every run after (the model must be loaded again).
import { EngineError } from '../../protocol/errors.ts';
import type { ort } from '../ort-env.ts';
import type { KvCount } from '../kv-cache.ts';
import type { SessionInfo, Stage } from '../pipeline.ts';
import type { KvShape, SessionGraph } from '../stage-session.ts';
import type { StageEvent, StageRequest, WireTensor } from './stage-protocol.ts';
import { fromWire, toWire } from './wire-tensor.ts';

export class WorkerStage implements Stage {
  readonly #worker: Worker;
  readonly info: SessionInfo;
  #kv: KvCount = { liveTensors: 0, tensorsMade: 0, inPlace: false };
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (outputs: Record<string, WireTensor>) => void; reject: (error: Error) => void }>();
  /** A failure outside a run (crop, clear) is reported by the next run. */
  #failure: EngineError | null = null;
  /** Set once the worker has crashed: it holds this stage's KV and weights, so every run fails. */
  #crash: EngineError | null = null;

  private constructor(worker: Worker, info: SessionInfo) {
    this.#worker = worker;
    this.info = info;
    worker.onmessage = ({ data: event }: MessageEvent<StageEvent>) => {
      if (event.kind === 'outputs') {
        this.#kv = event.kv;
        this.#pending.get(event.id)?.resolve(event.outputs);
        this.#pending.delete(event.id);
      } else if (event.kind === 'error') {
        const error = EngineError.from(event.error);
        const waiting = event.id === null ? undefined : this.#pending.get(event.id);
        if (waiting) waiting.reject(error);
        else this.#failure = error;
        if (event.id !== null) this.#pending.delete(event.id);
      }
    };
    worker.onerror = (event) => {
      this.#crash = new EngineError('engine_crashed', 'A part of the model (a stage worker) stopped unexpectedly; the model is unloaded. Load it again.', { cause: event.message });
      worker.terminate();
      for (const { reject } of this.#pending.values()) reject(this.#crash);
      this.#pending.clear();
    };
  }

  /** Starts the worker and creates the stage's session there; the graph's bytes are handed over. */
  static async create(graph: SessionGraph, shape: KvShape, name: string): Promise<WorkerStage> {
    const worker = new Worker(new URL('./stage.worker.ts', import.meta.url), { type: 'module', name });
    try {
      const info = await new Promise<SessionInfo>((resolve, reject) => {
        worker.onmessage = ({ data: event }: MessageEvent<StageEvent>) => {
          if (event.kind === 'created') resolve(event.info);
          else if (event.kind === 'error') reject(EngineError.from(event.error));
        };
        worker.onerror = (event) => reject(new Error(`the stage worker failed to start: ${event.message}`));
        const request: StageRequest = { kind: 'create', fileName: graph.fileName, model: graph.model, externalData: graph.externalData, shape };
        const made = graph.externalData.flatMap(({ data }) => (data instanceof Blob ? [] : [data.buffer]));
        worker.postMessage(request, [graph.model.buffer as ArrayBuffer, ...made]);
      });
      return new WorkerStage(worker, info);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  get kv(): KvCount {
    return this.#kv;
  }

  async run(inputs: Readonly<Record<string, ort.Tensor>>, fed: readonly number[]): Promise<Record<string, ort.Tensor>> {
    if (this.#crash) throw this.#crash;
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = null;
      throw failure;
    }
    const wire: Record<string, WireTensor> = {};
    for (const name of this.info.inputNames) if (inputs[name]) wire[name] = await toWire(inputs[name]);
    const id = this.#nextId++;
    const outputs = await new Promise<Record<string, WireTensor>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: StageRequest = { kind: 'run', id, inputs: wire, fed: [...fed] };
      this.#worker.postMessage(request, Object.values(wire).map((t) => t.data.buffer as ArrayBuffer));
    });
    return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, fromWire(t)]));
  }

  crop(length: number): void {
    this.#post({ kind: 'crop', length });
  }

  clear(): void {
    this.#post({ kind: 'clear' });
  }

  async release(): Promise<void> {
    for (const { reject } of this.#pending.values()) reject(new EngineError('aborted', 'The model was unloaded.'));
    this.#pending.clear();
    this.#worker.terminate();
  }

  #post(request: StageRequest): void {
    this.#worker.postMessage(request);
  }
}
