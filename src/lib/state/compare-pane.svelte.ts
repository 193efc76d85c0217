// One pane of the compare view: which model it shows and what that model is doing (waiting its
// turn, loading, streaming), its text, stats and error. Written by the compare store only.
import type { GenerationStats, ProgressEvent } from '../../../workers/protocol/messages.ts';
import type { UiError } from '../utils/engine-errors.ts';

export type PaneStatus = 'idle' | 'waiting' | 'loading' | 'streaming' | 'done' | 'stopped' | 'error';

export class PaneState {
  repo = $state('');
  status = $state<PaneStatus>('idle');
  progress = $state<ProgressEvent | null>(null);
  text = $state('');
  stats = $state<GenerationStats | null>(null);
  error = $state<UiError | null>(null);

  constructor(repo: string) {
    this.repo = repo;
  }

  reset(status: PaneStatus): void {
    this.status = status;
    this.progress = null;
    this.text = '';
    this.stats = null;
    this.error = null;
  }
}
