// Adding documents to the message being written: files chosen, dropped or pasted are read into
// attachments on the draft (stored with the conversation at once), with the reading's progress
// and, for a file that cannot be read, why; then the draft is counted against the context.
import type { Attachment } from '../documents/attachment.ts';
import { AttachmentError, pastedAttachment, readAttachment, type AttachmentProblem } from '../documents/read-attachment.ts';
import type { Conversation } from './conversation.ts';
import { conversations } from './conversations.svelte.ts';
import { draftFit } from './draft-fit.svelte.ts';

export interface Reading {
  name: string;
  /** PDF pages read so far, of `total`. */
  done: number;
  total: number;
}

export interface AttachFailure {
  problem: AttachmentProblem;
  fileName: string;
  detail: string;
}

class Attaching {
  #reading = $state<Reading | null>(null);
  #failures = $state<AttachFailure[]>([]);

  get reading(): Reading | null {
    return this.#reading;
  }

  /** The files of the last attempt that were not attached, and why. */
  get failures(): readonly AttachFailure[] {
    return this.#failures;
  }

  async addFiles(c: Conversation, files: readonly File[]): Promise<void> {
    this.#failures = [];
    for (const file of files) {
      this.#reading = { name: file.name, done: 0, total: 0 };
      try {
        const attachment = await readAttachment(file, (done, total) => (this.#reading = { name: file.name, done, total }));
        this.#add(c, attachment);
      } catch (error) {
        const e = error instanceof AttachmentError ? error : new AttachmentError('unreadable', file.name, String(error));
        this.#failures = [...this.#failures, { problem: e.problem, fileName: e.fileName, detail: e.message }];
      }
    }
    this.#reading = null;
    await draftFit.check(c);
  }

  /** Long pasted text: an attachment named by its order among the pasted ones. */
  async addPaste(c: Conversation, text: string, name: string): Promise<void> {
    this.#failures = [];
    this.#add(c, pastedAttachment(text, name));
    await draftFit.check(c);
  }

  async remove(c: Conversation, id: string): Promise<void> {
    conversations.setDraftAttachments(c.id, (c.draftAttachments ?? []).filter((a) => a.id !== id));
    await draftFit.check(c);
  }

  #add(c: Conversation, attachment: Attachment): void {
    conversations.setDraftAttachments(c.id, [...(c.draftAttachments ?? []), attachment]);
  }
}

export const attaching = new Attaching();
