// What a conversation is, and the pure rules on it: the messages a request sends, titles, and
// the export file format with its validation (imports are untrusted input).
import { isErrorCode, type ErrorCode } from '../../../workers/protocol/errors.ts';
import type { ChatMessage, GenerationStats } from '../../../workers/protocol/messages.ts';
import { contentWithAttachments, isAttachment, type Attachment } from '../documents/attachment.ts';
import { MAX_TOKENS_BOUND, SAMPLING_BOUNDS, checkBound, type SamplingBound } from '../../../workers/protocol/sampling-rules.ts';

export type MessageStatus = 'done' | 'streaming' | 'stopped' | 'length' | 'interrupted' | 'error';

export interface Message {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: number;
  /** User messages only: documents sent with the text (documents/attachment.ts). */
  attachments?: Attachment[];
  /** Assistant messages only. */
  status?: MessageStatus;
  stats?: GenerationStats;
  model?: string;
  error?: { code: ErrorCode; detail: string };
}

/** Sampling overrides; a field left out means the model's generation_config default. */
export interface ConversationSettings {
  systemPrompt: string;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  repetition_penalty?: number;
  maxTokens?: number;
  seed?: number;
}

export interface Conversation {
  id: string;
  title: string;
  /** True once the user named it; until then the first message names it. */
  renamed: boolean;
  createdAt: number;
  updatedAt: number;
  messages: Message[];
  settings: ConversationSettings;
  /** The half-written message in the box. */
  draft: string;
  /** Documents attached to the half-written message. */
  draftAttachments?: Attachment[];
}

export const EXPORT_FORMAT = 'qwen-local-conversations';

export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: 1;
  exportedAt: string;
  conversations: Conversation[];
}

export function newId(): string {
  return crypto.randomUUID();
}

export function newConversation(settings: ConversationSettings = { systemPrompt: '' }, now = Date.now()): Conversation {
  return { id: newId(), title: '', renamed: false, createdAt: now, updatedAt: now, messages: [], settings: { ...settings }, draft: '' };
}

/** A title from the first user message: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}

/** The chat the engine sees: the system prompt, then every message that has content (a user's with its attachments). */
export function requestMessages(conversation: Conversation): ChatMessage[] {
  const system: ChatMessage[] = conversation.settings.systemPrompt.trim() ? [{ role: 'system', content: conversation.settings.systemPrompt }] : [];
  const messages = conversation.messages.map((m) => ({ role: m.role, content: contentWithAttachments(m.content, m.attachments) }));
  return [...system, ...messages.filter((m) => m.content !== '')];
}

/** The chat the engine would see if the draft (with its attachments) were sent now: what the composer counts. */
export function draftRequestMessages(conversation: Conversation): ChatMessage[] {
  const draft = contentWithAttachments(conversation.draft, conversation.draftAttachments);
  return [...requestMessages(conversation), ...(draft.trim() ? [{ role: 'user' as const, content: draft }] : [])];
}

export function exportFile(conversations: Conversation[], now = new Date()): ExportFile {
  return { format: EXPORT_FORMAT, version: 1, exportedAt: now.toISOString(), conversations };
}

// The engine's ranges: an imported setting outside them would fail every turn of the chat.
const NUMERIC_SETTINGS = {
  temperature: SAMPLING_BOUNDS.temperature,
  top_p: SAMPLING_BOUNDS.top_p,
  top_k: SAMPLING_BOUNDS.top_k,
  repetition_penalty: SAMPLING_BOUNDS.repetition_penalty,
  maxTokens: MAX_TOKENS_BOUND,
  seed: SAMPLING_BOUNDS.seed,
} satisfies Record<Exclude<keyof ConversationSettings, 'systemPrompt'>, SamplingBound>;

/** The conversations in an export file, checked field by field; throws a readable reason. */
export function parseExportFile(text: string): Conversation[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  if (!isObject(data) || data['format'] !== EXPORT_FORMAT || data['version'] !== 1) throw new Error(`not a ${EXPORT_FORMAT} v1 file`);
  const list = data['conversations'];
  if (!Array.isArray(list)) throw new Error('no conversations list');
  const conversations = list.map((c, i) => parseConversation(c, `conversation ${i + 1}`));
  const repeated = firstRepeat(conversations.map((c) => c.id));
  if (repeated !== undefined) throw new Error(`two conversations share the id ${JSON.stringify(repeated)}`);
  return conversations;
}

/** The stored records that pass the import checks, and a reason for each one skipped. */
export function parseStored(records: readonly unknown[]): { conversations: Conversation[]; skipped: string[] } {
  const conversations: Conversation[] = [];
  const skipped: string[] = [];
  records.forEach((record, i) => {
    const id = isObject(record) && typeof record['id'] === 'string' ? record['id'] : `#${i + 1}`;
    try {
      conversations.push(parseConversation(record, `stored conversation ${id}`));
    } catch (error) {
      skipped.push(error instanceof Error ? error.message : String(error));
    }
  });
  return { conversations, skipped };
}

/** One conversation from a file or from storage, checked as an import is; throws a readable reason. */
export function parseConversation(c: unknown, where: string): Conversation {
  if (!isObject(c) || typeof c['id'] !== 'string' || typeof c['title'] !== 'string' || !Array.isArray(c['messages'])) {
    throw new Error(`${where} lacks an id, a title or messages`);
  }
  const settings = isObject(c['settings']) ? c['settings'] : {};
  const parsed: ConversationSettings = { systemPrompt: typeof settings['systemPrompt'] === 'string' ? settings['systemPrompt'] : '' };
  for (const [key, bound] of Object.entries(NUMERIC_SETTINGS) as [keyof typeof NUMERIC_SETTINGS, SamplingBound][]) {
    const value = settings[key];
    if (value === undefined || value === null) continue;
    if (checkBound(bound, value) !== null) throw new Error(`${where} has an invalid setting ${key}: ${JSON.stringify(value)}`);
    parsed[key] = value as number;
  }
  const now = Date.now();
  const messages = c['messages'].map((m: unknown, j: number) => parseMessage(m, `${where}, message ${j + 1}`));
  // Messages are keyed by id in the list: a repeat would break rendering of the whole app.
  const repeated = firstRepeat(messages.map((m) => m.id));
  if (repeated !== undefined) throw new Error(`${where} has two messages with the id ${JSON.stringify(repeated)}`);
  return {
    id: c['id'],
    title: c['title'],
    renamed: c['renamed'] === true,
    createdAt: typeof c['createdAt'] === 'number' ? c['createdAt'] : now,
    updatedAt: typeof c['updatedAt'] === 'number' ? c['updatedAt'] : now,
    draft: typeof c['draft'] === 'string' ? c['draft'] : '',
    ...(c['draftAttachments'] === undefined ? {} : { draftAttachments: parseAttachments(c['draftAttachments'], `${where}, draft`) }),
    settings: parsed,
    messages,
  };
}

const STATUSES: readonly MessageStatus[] = ['done', 'streaming', 'stopped', 'length', 'interrupted', 'error'];

function parseMessage(m: unknown, where: string): Message {
  if (!isObject(m) || (m['role'] !== 'user' && m['role'] !== 'assistant') || typeof m['content'] !== 'string') {
    throw new Error(`${where} needs a role (user or assistant) and text content`);
  }
  const message: Message = {
    id: typeof m['id'] === 'string' ? m['id'] : newId(),
    role: m['role'],
    content: m['content'],
    createdAt: typeof m['createdAt'] === 'number' ? m['createdAt'] : Date.now(),
  };
  if (m['attachments'] !== undefined) message.attachments = parseAttachments(m['attachments'], where);
  const status = STATUSES.find((s) => s === m['status']);
  // An answer that was streaming when exported is no longer streaming anywhere.
  if (status) message.status = status === 'streaming' ? 'interrupted' : status;
  if (typeof m['model'] === 'string') message.model = m['model'];
  const stats = parseStats(m['stats']);
  if (stats) message.stats = stats;
  const error = m['error'];
  if (isObject(error) && isErrorCode(error['code'])) {
    message.error = { code: error['code'], detail: typeof error['detail'] === 'string' ? error['detail'] : '' };
  }
  return message;
}

function parseAttachments(value: unknown, where: string): Attachment[] {
  if (!Array.isArray(value) || !value.every(isAttachment)) throw new Error(`${where} has an attachment without a name, a kind or text`);
  return value;
}

const STAT_NUMBERS = [
  'promptTokens',
  'reusedTokens',
  'prefillTokens',
  'prefillTokensPerSecond',
  'decodeTokens',
  'decodeTokensPerSecond',
  'timeToFirstTokenMs',
] as const satisfies readonly (keyof GenerationStats)[];

function parseStats(value: unknown): GenerationStats | undefined {
  if (!isObject(value) || !STAT_NUMBERS.every((key) => typeof value[key] === 'number')) return undefined;
  const finish = value['finishReason'];
  if (finish !== 'stop' && finish !== 'length' && finish !== 'abort') return undefined;
  const stats = { finishReason: finish } as GenerationStats;
  for (const key of STAT_NUMBERS) stats[key] = value[key] as number;
  return stats;
}

function firstRepeat(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  return ids.find((id) => seen.size === seen.add(id).size);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
