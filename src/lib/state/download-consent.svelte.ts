// The question put to the user before a download nobody clicked for (the embed loads the model
// its URL names by itself): one question at a time, answered by DownloadConsent.svelte.
import type { DownloadQuestion } from '../utils/download-consent.ts';

class DownloadConsent {
  question = $state<DownloadQuestion | null>(null);
  #answer: ((yes: boolean) => void) | null = null;

  /** Resolves true when the user agrees to download, false when they decline. */
  ask(question: DownloadQuestion): Promise<boolean> {
    this.#answer?.(false);
    this.question = question;
    return new Promise((resolve) => (this.#answer = resolve));
  }

  answer(yes: boolean): void {
    const answer = this.#answer;
    this.#answer = null;
    this.question = null;
    answer?.(yes);
  }
}

export const downloadConsent = new DownloadConsent();
