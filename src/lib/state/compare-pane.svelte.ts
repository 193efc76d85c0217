// One pane of the compare view: which model it shows and what that model is doing (waiting its
// turn, loading, streaming), its text, stats and error. Changed by the compare store only.
import type { GenerationStats, ProgressEvent } from '../../../workers/protocol/messages.ts';
import type { GenerateResult } from '../../../workers/protocol/text-generator.ts';
import type { UiError } from '../utils/engine-errors.ts';

export type PaneStatus = 'idle' | 'waiting' | 'loading' | 'streaming' | 'done' | 'stopped' | 'error';

export class PaneState {
  #repo = $state('');
  #status = $state<PaneStatus>('idle');
  #progress = $state<ProgressEvent | null>(null);
  #text = $state('');
  #stats = $state<GenerationStats | null>(null);
  #error = $state<UiError | null>(null);

  constructor(repo: string) {
    this.#repo = repo;
  }

  get repo(): string {
    return this.#repo;
  }

  get status(): PaneStatus {
    return this.#status;
  }

  get progress(): ProgressEvent | null {
    return this.#progress;
  }

  get text(): string {
    return this.#text;
  }

  get stats(): GenerationStats | null {
    return this.#stats;
  }

  get error(): UiError | null {
    return this.#error;
  }

  choose(repo: string): void {
    this.#repo = repo;
  }

  reset(status: PaneStatus): void {
    this.#status = status;
    this.#progress = null;
    this.#text = '';
    this.#stats = null;
    this.#error = null;
  }

  /** Loading the model; `progress` while it downloads or reads weights. */
  loading(progress: ProgressEvent | null): void {
    this.#status = 'loading';
    this.#progress = progress;
  }

  /** The answer so far. */
  streaming(text: string): void {
    this.#status = 'streaming';
    this.#progress = null;
    this.#text = text;
  }

  finish(result: GenerateResult): void {
    this.#text = result.text;
    this.#stats = result.stats;
    this.#status = result.stats.finishReason === 'abort' ? 'stopped' : 'done';
  }

  fail(error: UiError): void {
    this.#status = 'error';
    this.#error = error;
  }
}
