// All conversations, the active one, and their persistence: every change is written back to
// IndexedDB, throttled per conversation so a streaming answer or a draft costs one write every
// SAVE_MS, and flushed when the page is hidden (reload, tab closed).
import { deleteConversation, readConversations, writeConversation } from '../services/chat-db.ts';
import { isString, readSetting, writeSetting } from '../services/settings-store.ts';
import type { Attachment } from '../documents/attachment.ts';
import { newConversation, newId, parseStored, titleFrom, type Conversation, type ConversationSettings } from './conversation.ts';

const SAVE_MS = 250;

export type SamplingKey = Exclude<keyof ConversationSettings, 'systemPrompt'>;

class Conversations {
  #list = $state<Conversation[]>([]);
  #activeId = $state<string | null>(null);
  #persist = true;
  #skipped = $state.raw<string[]>([]);
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  #active = $derived(this.#list.find((c) => c.id === this.#activeId) ?? null);
  #sorted = $derived([...this.#list].sort((a, b) => b.updatedAt - a.updatedAt));

  get activeId(): string | null {
    return this.#activeId;
  }

  get active(): Conversation | null {
    return this.#active;
  }

  /** Newest activity first. */
  get sorted(): Conversation[] {
    return this.#sorted;
  }

  /** Why stored records were left out at start (each is kept in storage, untouched). */
  get skipped(): readonly string[] {
    return this.#skipped;
  }

  /** Opens the saved chats; without `persist` (an embed kept from the user's data) starts empty and writes nothing. */
  async init({ persist }: { persist: boolean }): Promise<void> {
    this.#persist = persist;
    // A bad record is skipped, not fatal; an answer still streaming in the saved copy was cut
    // off by a reload or a closed tab and comes back interrupted (parseStored does both).
    const { conversations: stored, skipped } = parseStored(persist ? await readConversations() : []);
    this.#skipped = skipped;
    this.#list = stored;
    const saved = readSetting('activeConversation', isString, null);
    this.#activeId = stored.some((c) => c.id === saved) ? saved : (this.#sorted[0]?.id ?? null);
    if (!this.#activeId) this.create();
    addEventListener('pagehide', () => this.flush());
  }

  /** A new empty chat with the current chat's settings (the system prompt and sampling carry over). */
  create(): Conversation {
    const settings: ConversationSettings = this.#active ? $state.snapshot(this.#active.settings) : { systemPrompt: '' };
    // An empty chat is reused rather than piling up.
    const empty = this.#list.find((c) => c.messages.length === 0 && c.draft === '' && !c.draftAttachments?.length);
    if (empty) {
      empty.settings = settings;
      this.select(empty.id);
      return empty;
    }
    const conversation = newConversation(settings);
    this.#list.push(conversation);
    this.select(conversation.id);
    this.save(conversation.id);
    return this.#list.at(-1)!;
  }

  select(id: string): void {
    this.#activeId = id;
    writeSetting('activeConversation', id);
  }

  rename(id: string, title: string): void {
    const c = this.#get(id);
    if (!c || !title.trim()) return;
    c.title = title.trim();
    c.renamed = true;
    this.save(id);
  }

  /** Keeps the half-written message; typing does not count as using the chat. */
  setDraft(id: string, text: string): void {
    const c = this.#get(id);
    if (!c) return;
    c.draft = text;
    this.#write(id);
  }

  /** The documents attached to the half-written message, written at once (a reload keeps them). */
  setDraftAttachments(id: string, attachments: Attachment[]): void {
    const c = this.#get(id);
    if (!c) return;
    if (attachments.length) c.draftAttachments = attachments;
    else delete c.draftAttachments;
    this.#write(id, { now: true });
  }

  setSystemPrompt(id: string, text: string): void {
    const c = this.#get(id);
    if (!c) return;
    c.settings.systemPrompt = text;
    this.#write(id);
  }

  /** Sets one sampling setting; undefined returns it to the model's default. */
  setSampling(id: string, key: SamplingKey, value: number | undefined): void {
    const c = this.#get(id);
    if (!c) return;
    if (value === undefined) delete c.settings[key];
    else c.settings[key] = value;
    this.#write(id);
  }

  /** Every sampling setting back to the model's defaults; the system prompt stays. */
  resetSampling(id: string): void {
    const c = this.#get(id);
    if (!c) return;
    c.settings = { systemPrompt: c.settings.systemPrompt };
    this.#write(id, { now: true });
  }

  /** Names the chat after its first message unless the user named it. */
  autoTitle(c: Conversation): void {
    const first = c.messages.find((m) => m.role === 'user');
    if (!c.renamed && first) c.title = titleFrom(first.content || (first.attachments?.[0]?.name ?? ''));
  }

  async remove(id: string): Promise<void> {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.#list = this.#list.filter((c) => c.id !== id);
    await deleteConversation(id);
    if (this.#activeId === id) {
      const next = this.#sorted[0];
      if (next) this.select(next.id);
      else this.create();
    }
  }

  /** Imported conversations: `add` keeps every chat here (an imported one whose id is taken gets a
   * new id); `replace` deletes every chat here first. */
  async import(conversations: Conversation[], mode: 'add' | 'replace'): Promise<void> {
    if (mode === 'replace') {
      for (const c of this.#list) clearTimeout(this.#timers.get(c.id));
      this.#timers.clear();
      if (this.#persist) await Promise.all(this.#list.map((c) => deleteConversation(c.id)));
      this.#list = [];
    }
    for (const c of conversations) {
      if (this.#get(c.id)) c.id = newId();
      this.#list.push(c);
      this.#write(c.id, { now: true });
    }
    const first = conversations[0];
    if (first) this.select(first.id);
    else if (!this.#active) this.create();
  }

  /** Marks the conversation as just used and schedules its write (at once with `now`). */
  save(id: string, { now = false }: { now?: boolean } = {}): void {
    const c = this.#get(id);
    if (c) c.updatedAt = Date.now();
    this.#write(id, { now });
  }

  /** Writes every pending change now. */
  flush(): void {
    for (const id of [...this.#timers.keys()]) this.#write(id, { now: true });
  }

  #get(id: string): Conversation | undefined {
    return this.#list.find((c) => c.id === id);
  }

  /** Schedules a write of the conversation, throttled to one per SAVE_MS unless `now`. */
  #write(id: string, { now = false }: { now?: boolean } = {}): void {
    if (!this.#persist || (this.#timers.has(id) && !now)) return;
    clearTimeout(this.#timers.get(id));
    const write = (): void => {
      this.#timers.delete(id);
      const current = this.#get(id);
      if (current) void writeConversation($state.snapshot(current));
    };
    if (now) write();
    else this.#timers.set(id, setTimeout(write, SAVE_MS));
  }
}

export const conversations = new Conversations();
