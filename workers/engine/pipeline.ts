// The model as the decoder drives it: one or more stages run in order (one session for a model
// that fits; consecutive layer groups for one split at load, split/), each keeping the KV cache of
// its own layers. Feeds go to every stage that reads them, each stage's outputs to the ones after;
// only the logits come back.
import type { KvCount } from './kv-cache.ts';
import type { ort } from './ort-env.ts';

/** What the engine reads of a session: its I/O names and input metadata (the contract's source). */
export interface SessionInfo {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
}

export interface Stage {
  readonly info: SessionInfo;
  readonly kv: KvCount;
  /** Runs the stage on the inputs it reads (by name) after its cached tokens; keeps its KV; returns its other outputs. */
  run(inputs: Readonly<Record<string, ort.Tensor>>, fed: readonly number[]): Promise<Record<string, ort.Tensor>>;
  crop(length: number): void;
  clear(): void;
  release(): Promise<void>;
}

export class Pipeline {
  #stages: readonly Stage[];
  #tokens: number[] = [];

  constructor(stages: Stage[]) {
    this.#stages = stages;
  }

  get stages(): readonly Stage[] {
    return this.#stages;
  }

  /**
   * Runs on `next`'s stages from now on, with an empty cache, and releases its own: the session
   * and decoder that hold this pipeline go on unchanged (speed-up.ts). Only between runs.
   */
  async adopt(next: Pipeline): Promise<void> {
    const old = this.#stages;
    this.#stages = next.#stages;
    this.#tokens = [];
    next.#stages = [];
    await Promise.all(old.map((s) => s.release()));
  }

  /** The tokens every stage's KV cache holds. */
  get tokens(): readonly number[] {
    return this.#tokens;
  }

  get kv(): KvCount {
    const counts = this.stages.map((s) => s.kv);
    return {
      liveTensors: counts.reduce((sum, c) => sum + c.liveTensors, 0),
      tensorsMade: counts.reduce((sum, c) => sum + c.tensorsMade, 0),
      inPlace: counts.length > 0 && counts.every((c) => c.inPlace),
    };
  }

  /** All stages' inputs and outputs, for reading the graph contract. */
  get info(): SessionInfo {
    const all = this.stages.map((s) => s.info);
    return {
      inputNames: [...new Set(all.flatMap((i) => i.inputNames))],
      outputNames: [...new Set(all.flatMap((i) => i.outputNames))],
      inputMetadata: all.flatMap((i) => i.inputMetadata),
    };
  }

  /** Feeds `fed` (as `feeds`) after the cached tokens; returns the logits tensor (the caller disposes it). */
  async run(feeds: Record<string, ort.Tensor>, fed: readonly number[]): Promise<ort.Tensor> {
    const named = { ...feeds };
    const passed: ort.Tensor[] = [];
    try {
      for (const stage of this.#stages) {
        for (const [name, tensor] of Object.entries(await stage.run(named, fed))) {
          named[name] = tensor;
          if (name !== 'logits') passed.push(tensor);
        }
      }
    } catch (error) {
      // Stages before the failing one have taken the tokens: start every cache afresh.
      this.clear();
      throw error;
    } finally {
      for (const tensor of passed) tensor.dispose();
    }
    this.#tokens = this.#tokens.concat(fed);
    return named['logits']!;
  }

  /** Keeps the first `length` tokens. */
  crop(length: number): void {
    if (length >= this.#tokens.length) return;
    for (const stage of this.#stages) stage.crop(length);
    this.#tokens = this.#tokens.slice(0, length);
  }

  clear(): void {
    for (const stage of this.#stages) stage.clear();
    this.#tokens = [];
  }

  async release(): Promise<void> {
    this.clear();
    await Promise.all(this.#stages.map((s) => s.release()));
  }
}
