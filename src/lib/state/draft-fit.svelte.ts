// Whether the message being written, with its attachments, fits the loaded model's context: the
// engine counts the whole conversation as it would be sent (its tokenizer, its chat template)
// each time the attachments, the conversation or the model change. Typed text is not recounted
// per keystroke; the engine still refuses an over-long prompt at send.
import type { Conversation } from './conversation.ts';
import { draftRequestMessages } from './conversation.ts';
import { backend } from './backend.svelte.ts';
import { engine } from './engine.svelte.ts';

export type DraftFit =
  | { state: 'none' }
  /** No local model loaded (or a remote server answers): nothing to count with. */
  | { state: 'unknown' }
  | { state: 'counting' }
  /** The engine could not count (the send would meet the same problem and say so). */
  | { state: 'failed'; message: string }
  | { state: 'fits' | 'over'; promptTokens: number; contextTokens: number };

class DraftFitState {
  #fit = $state<DraftFit>({ state: 'none' });
  #asked = 0;

  get fit(): DraftFit {
    return this.#fit;
  }

  /** Counts `conversation` with its draft attachments; a later call wins over an earlier one still counting. */
  async check(conversation: Conversation): Promise<void> {
    const asked = ++this.#asked;
    if (!conversation.draftAttachments?.length) {
      this.#fit = { state: 'none' };
      return;
    }
    if (backend.kind !== 'local' || !engine.report) {
      this.#fit = { state: 'unknown' };
      return;
    }
    this.#fit = { state: 'counting' };
    try {
      const messages = $state.snapshot(draftRequestMessages(conversation));
      const { promptTokens, contextTokens } = await engine.client.count({ mode: 'chat', messages });
      // The engine needs room for at least one new token.
      if (asked === this.#asked) this.#fit = { state: promptTokens < contextTokens ? 'fits' : 'over', promptTokens, contextTokens };
    } catch (error) {
      if (asked === this.#asked) this.#fit = { state: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }
}

export const draftFit = new DraftFitState();
