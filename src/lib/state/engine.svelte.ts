// The one engine worker and what the UI shows about it: the detected GPU, the load in progress
// (with its progress events), the loaded model's capability report, the stored models, and the
// last load error. After a lost device or a crashed engine the last load can be repeated as it was.
import type { LoadReport, LoadRequest, ProgressEvent, SpedUpEvent, StoredModelSummary } from '../../../workers/protocol/messages.ts';
import { EngineClient } from '../services/engine-client.ts';
import { requestPersistentStorage } from '../services/model-store.ts';
import { toUiError, type UiError } from '../utils/engine-errors.ts';
import { detectGpuCapabilities, type GpuCapabilities } from '../utils/gpu-capabilities.ts';

class EngineState {
  readonly client = new EngineClient();
  readonly detection: Promise<GpuCapabilities> = detectGpuCapabilities();
  capabilities = $state<GpuCapabilities | null>(null);
  report = $state<LoadReport | null>(null);
  /** When the loaded model finished loading (Unix seconds), for the API's model list. */
  loadedAt = 0;
  /** Settles when the load in progress ends, so API requests can wait for it. */
  pendingLoad: Promise<void> | null = null;
  progress = $state<ProgressEvent | null>(null);
  loading = $state<AbortController | null>(null);
  /** The repo being loaded, to mark it in the picker. */
  loadingRepo = $state<string | null>(null);
  error = $state<UiError | null>(null);
  stored = $state<StoredModelSummary[]>([]);
  /** The last load asked for, repeated by "Load the model again". */
  #lastRequest = $state.raw<Omit<LoadRequest, 'kind' | 'id'> | null>(null);

  constructor() {
    void this.detection.then((caps) => (this.capabilities = caps)).catch(() => undefined);
    void requestPersistentStorage().then(() => this.refreshStored());
  }

  async refreshStored(): Promise<void> {
    this.stored = await this.client.storedModels();
  }

  /** Deletes one stored model, or every one without `key` (refreshStored lists the store again). */
  deleteStored(key?: string): Promise<void> {
    return this.client.deleteStored(key);
  }

  isStored(repo: string): boolean {
    return this.stored.some((m) => m.repo === repo && m.state === 'ready');
  }

  load(request: Omit<LoadRequest, 'kind' | 'id'>): Promise<void> {
    const load = this.#load(request);
    this.pendingLoad = load;
    return load;
  }

  /** Loads the model `pick` names once the GPU is known (nothing when it gives null: the user
   * declined the download); API requests wait for it from now on. */
  autoload(pick: (caps: GpuCapabilities | null) => Promise<Omit<LoadRequest, 'kind' | 'id'> | null>): void {
    this.pendingLoad = this.detection
      .catch(() => null)
      .then(pick)
      .then((request) => (request ? this.#load(request) : undefined));
  }

  /** Whether the last load can be repeated now: none is running and no model is loaded. */
  get canReload(): boolean {
    return this.#lastRequest !== null && this.loading === null && this.report === null;
  }

  reload(): Promise<void> {
    return this.#lastRequest ? this.load(this.#lastRequest) : Promise.resolve();
  }

  /**
   * Whether the loaded model can be loaded again with YaRN (a window four times its own, up to
   * 131,072 tokens for Qwen2.5): not when it already has it, or when memory already shortened
   * its context (the capability check's maxContextTokens).
   */
  get longContextOffered(): boolean {
    const last = this.#lastRequest;
    return this.report !== null && last !== null && last.ropeScaling === undefined && last.maxContextTokens === undefined;
  }

  /** The loaded model again, with YaRN on its rotary embedding. */
  loadWithLongContext(): Promise<void> {
    return this.#lastRequest ? this.load({ ...this.#lastRequest, ropeScaling: 'yarn' }) : Promise.resolve();
  }

  async #load(request: Omit<LoadRequest, 'kind' | 'id'>): Promise<void> {
    this.#lastRequest = request;
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    this.loadingRepo = request.repo;
    this.error = null;
    this.report = null;
    this.progress = null;
    try {
      this.report = await this.client.load(request, (p) => (this.progress = p), controller.signal, (outcome) => this.#spedUp(outcome));
      this.loadedAt = Math.floor(Date.now() / 1000);
    } catch (e) {
      const error = toUiError(e);
      if (error.code !== 'aborted') this.error = error;
    } finally {
      if (this.loading === controller) {
        this.loading = null;
        this.loadingRepo = null;
        this.progress = null;
      }
      await this.refreshStored();
    }
  }

  /** The loaded model's speed-up ended: it runs on the unpacked stages now, or says why not. */
  #spedUp(outcome: SpedUpEvent['outcome']): void {
    const report = this.report;
    if (!report?.speedUp) return;
    this.report =
      'stages' in outcome
        ? { ...report, stages: outcome.stages, speedUp: null }
        : { ...report, speedUp: null, notes: [...report.notes, `The faster float32 weights could not be prepared (${outcome.error.message}); the model goes on at 4-bit speed.`] };
  }

  stopLoading(): void {
    this.loading?.abort();
  }

  /** After an out-of-memory or lost device the loaded model is gone: say so, keep the chat. */
  forget(): void {
    this.report = null;
  }
}

export const engine = new EngineState();
