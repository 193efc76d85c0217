// A document attached to a chat message: its extracted text travels with the message (stored
// with the conversation, so a reload loses nothing) and is put before the message's text when
// the conversation is sent, one block per file, so the model reads which file says what.

export type AttachmentKind = 'text' | 'markdown' | 'pdf' | 'docx' | 'paste';

export interface Attachment {
  id: string;
  /** The file's name; pasted text gets a made-up one. */
  name: string;
  kind: AttachmentKind;
  text: string;
  /** The file's size as chosen (the text can be much smaller, e.g. a PDF). */
  bytes: number;
  /** PDF pages read. */
  pages?: number;
}

/** Pasted text longer than this becomes an attachment instead of filling the message box. */
export const PASTE_ATTACHMENT_CHARS = 4000;

/** The file types the picker offers, by extension and MIME type. */
export const ACCEPTED_FILES = '.txt,.md,.markdown,.pdf,.docx,text/plain,text/markdown,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** What the model reads: each attachment as a named block, then the message. */
export function contentWithAttachments(content: string, attachments: readonly Attachment[] | undefined): string {
  if (!attachments?.length) return content;
  const blocks = attachments.map((a) => `<file name="${a.name.replaceAll('"', "'")}">\n${a.text.trim()}\n</file>`);
  return [...blocks, content].filter((part) => part !== '').join('\n\n');
}

/** The kind a file is read as, by its extension (MIME types are often missing for .md and .docx); null when unsupported. */
export function attachmentKind(name: string): Exclude<AttachmentKind, 'paste'> | null {
  const extension = name.toLowerCase().split('.').pop() ?? '';
  if (extension === 'txt' || extension === 'text' || extension === 'log' || extension === 'csv') return 'text';
  if (extension === 'md' || extension === 'markdown') return 'markdown';
  if (extension === 'pdf') return 'pdf';
  if (extension === 'docx') return 'docx';
  return null;
}

const KINDS: readonly AttachmentKind[] = ['text', 'markdown', 'pdf', 'docx', 'paste'];

/** Stored or imported attachments are untrusted: every field checked. */
export function isAttachment(value: unknown): value is Attachment {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  return (
    typeof a['id'] === 'string' &&
    typeof a['name'] === 'string' &&
    typeof a['text'] === 'string' &&
    typeof a['bytes'] === 'number' &&
    KINDS.includes(a['kind'] as AttachmentKind) &&
    (a['pages'] === undefined || (typeof a['pages'] === 'number' && Number.isInteger(a['pages']) && a['pages'] >= 0))
  );
}
