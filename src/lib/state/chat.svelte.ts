// The chat actions: send, stop, regenerate, edit-and-resend, delete. Each request sends the
// whole conversation; the engine reuses its KV cache for the longest common prefix, so a resend
// after an edit recomputes only from the edited message on.
import type { Attachment } from '../documents/attachment.ts';
import type { SamplingOptions } from '../../../workers/protocol/sampling-rules.ts';
import { needsReload } from '../utils/engine-errors.ts';
import { streamAnswer } from './answer-stream.ts';
import { newId, requestMessages, type Conversation, type Message } from './conversation.ts';
import { conversations } from './conversations.svelte.ts';
import { backend } from './backend.svelte.ts';
import { engine } from './engine.svelte.ts';

interface Running {
  conversationId: string;
  controller: AbortController;
}

function sampling(c: Conversation): SamplingOptions {
  const { temperature, top_p, top_k, repetition_penalty, seed } = c.settings;
  const options: SamplingOptions = { temperature, top_p, top_k, repetition_penalty, seed };
  for (const key of Object.keys(options) as (keyof SamplingOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

class Chat {
  #running = $state<Running | null>(null);

  /** The answer streaming now, and where. */
  get running(): Running | null {
    return this.#running;
  }

  /** Whether a new request may start now. */
  get canSend(): boolean {
    return this.#running === null && backend.modelId !== null;
  }

  /** Sends the text and the draft's attachments (either may be empty, not both). */
  async send(text: string): Promise<void> {
    const c = conversations.active;
    const attachments = c?.draftAttachments ?? [];
    if (!c || (!text.trim() && attachments.length === 0) || !this.canSend) return;
    c.messages.push(userMessage(text, attachments));
    conversations.setDraft(c.id, '');
    conversations.setDraftAttachments(c.id, []);
    conversations.autoTitle(c);
    await this.#answer(c);
  }

  stop(): void {
    this.#running?.controller.abort();
  }

  /** Answers the last user message again, replacing the answer after it. */
  async regenerate(): Promise<void> {
    const c = conversations.active;
    if (!c || !this.canSend) return;
    if (c.messages.at(-1)?.role === 'assistant') c.messages.pop();
    if (c.messages.length > 0) await this.#answer(c);
  }

  /** Replaces a user message's text, drops everything after it, and answers again. */
  async edit(messageId: string, text: string): Promise<void> {
    const c = conversations.active;
    const at = c?.messages.findIndex((m) => m.id === messageId) ?? -1;
    if (!c || at < 0 || (!text.trim() && !c.messages[at]!.attachments?.length) || !this.canSend) return;
    c.messages = [...c.messages.slice(0, at), { ...c.messages[at]!, content: text }];
    conversations.autoTitle(c);
    await this.#answer(c);
  }

  remove(messageId: string): void {
    const c = conversations.active;
    if (!c || this.#running?.conversationId === c.id) return;
    c.messages = c.messages.filter((m) => m.id !== messageId);
    conversations.save(c.id);
  }

  async #answer(c: Conversation): Promise<void> {
    const model = backend.modelId;
    if (!model) return;
    const messages = requestMessages(c);
    c.messages.push({ id: newId(), role: 'assistant', content: '', createdAt: Date.now(), status: 'streaming', model });
    // The proxied copy, so the writes below re-render.
    const answer: Message = c.messages.at(-1)!;
    conversations.save(c.id, { now: true });
    const controller = new AbortController();
    this.#running = { conversationId: c.id, controller };
    const answered = await streamAnswer(
      backend,
      { input: { mode: 'chat', messages }, sampling: sampling(c), maxTokens: c.settings.maxTokens },
      {
        onText: (text) => {
          answer.content = text;
          conversations.save(c.id);
        },
        signal: controller.signal,
      },
    );
    if (answered.ok) {
      const { text, stats } = answered.result;
      answer.content = text;
      answer.stats = stats;
      answer.status = { stop: 'done', length: 'length', abort: 'stopped' }[stats.finishReason] as Message['status'];
    } else {
      answer.status = 'error';
      answer.error = answered.error;
      if (needsReload(answered.error)) engine.forget();
    }
    this.#running = null;
    conversations.save(c.id, { now: true });
  }
}

function userMessage(content: string, attachments: Attachment[]): Message {
  return { id: newId(), role: 'user', content, createdAt: Date.now(), ...(attachments.length ? { attachments: $state.snapshot(attachments) } : {}) };
}

export const chat = new Chat();
