// The fast start on WASM: a model whose 4-bit weights are worth unpacking to float32
// (split/unpack-weights.ts) first serves on its 4-bit kernels, from a worker of its own, while its
// unpacked pipeline is built beside it; the engine swaps that in between requests (the cached
// prefix is lost once) and the 4-bit worker goes with its heap. While both exist, the 4-bit copy
// holds the memory of the context's far end (speedUpContextTokens): a longer request waits for
// the swap instead.
import { toErrorShape, type EngineErrorShape } from '../protocol/errors.ts';
import type { SpedUpEvent, SpeedUpPlan, StageReport } from '../protocol/messages.ts';
import type { Pipeline } from './pipeline.ts';

/** Unpacking less than this takes a few seconds at most: the load waits for it, one pipeline is built. */
export const FAST_START_UNPACK_BYTES = 256 * 2 ** 20;

/** The shortest context worth serving while the speed-up is built (a system prompt, a few turns). */
export const FAST_START_MIN_CONTEXT = 2048;

export type SpeedUpOutcome = SpedUpEvent['outcome'];

export type BuildUnpacked = (signal: AbortSignal) => Promise<{ pipeline: Pipeline; stages: StageReport[] }>;

export class SpeedUp {
  readonly plan: SpeedUpPlan;
  readonly #serving: Pipeline;
  /** Dropped once started: it holds the graph and the stored files' handles. */
  #build: BuildUnpacked | null;
  readonly #controller = new AbortController();
  #built: Promise<{ pipeline: Pipeline; stages: StageReport[]; buildMs: number } | { error: EngineErrorShape }> | null = null;
  #applied: Promise<SpeedUpOutcome | null> | null = null;

  /** `serving` is the pipeline the session runs on; `build` makes the unpacked one. */
  constructor(serving: Pipeline, plan: SpeedUpPlan, build: BuildUnpacked) {
    this.#serving = serving;
    this.plan = plan;
    this.#build = build;
  }

  /** Starts the build (once the fast load is served, so the two do not compete). */
  start(): void {
    const build = this.#build;
    if (!build) return;
    this.#build = null;
    const started = performance.now();
    this.#built = build(this.#controller.signal).then(
      (made) => ({ ...made, buildMs: performance.now() - started }),
      (error: unknown) => ({ error: toErrorShape(error) }),
    );
  }

  /** Settles when the build has ended, either way. */
  get ready(): Promise<void> {
    return (this.#built ?? Promise.resolve()).then(() => undefined);
  }

  /** Whether a request of `tokens` (prompt and answer) must wait for the swap. */
  mustWait(tokens: number): boolean {
    return this.#applied === null && tokens > this.plan.contextTokens;
  }

  /** Settles when a request of `tokens` may run: at once, or after the swap when it must wait. */
  async roomFor(tokens: number): Promise<void> {
    if (this.mustWait(tokens)) await this.apply();
  }

  /**
   * Waits for the build and swaps the unpacked pipeline in: the outcome, the same to every caller;
   * null once cancelled. Only between requests (the engine's queue).
   */
  apply(): Promise<SpeedUpOutcome | null> {
    this.start();
    this.#applied ??= this.#built!.then(async (built) => {
      if ('error' in built) return built;
      if (this.#controller.signal.aborted) {
        await built.pipeline.release();
        return null;
      }
      await this.#serving.adopt(built.pipeline);
      return { stages: built.stages, buildMs: built.buildMs };
    });
    return this.#applied;
  }

  /** Stops the build; what it made is released when it ends (the model is unloaded or replaced). */
  cancel(): void {
    this.#controller.abort();
    if (this.#applied) return;
    this.#applied = Promise.resolve(null);
    void this.#built?.then((built) => ('error' in built ? undefined : built.pipeline.release()));
  }
}
