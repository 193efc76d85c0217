// A chosen or dropped file to an attachment: read by its kind, refused with a message saying what
// to do when it is not a kind the app reads or has no text.
import { attachmentKind, type Attachment } from './attachment.ts';
import { docxText } from './docx-text.ts';
import { PdfReadError, pdfText } from './pdf-text.ts';
import { decodeText } from './plain-text.ts';

/** Larger files are refused before reading: no Qwen2.5 context holds the text of more. */
export const MAX_ATTACHMENT_BYTES = 64 * 2 ** 20;

export type AttachmentProblem = 'unsupported' | 'too-large' | 'no-text' | 'password' | 'unreadable';

/** Why a file was not attached; the UI words it from `problem` (in the user's language), `detail` is the reader's own. */
export class AttachmentError extends Error {
  readonly problem: AttachmentProblem;
  readonly fileName: string;
  constructor(problem: AttachmentProblem, fileName: string, detail: string) {
    super(detail);
    this.problem = problem;
    this.fileName = fileName;
  }
}

export async function readAttachment(file: File, onPage?: (done: number, total: number) => void): Promise<Attachment> {
  const kind = attachmentKind(file.name);
  if (!kind) throw new AttachmentError('unsupported', file.name, 'not .txt, .md, .pdf or .docx');
  if (file.size > MAX_ATTACHMENT_BYTES) throw new AttachmentError('too-large', file.name, `${file.size} bytes`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const base = { id: crypto.randomUUID(), name: file.name, kind, bytes: file.size };
  try {
    if (kind === 'pdf') {
      const { text, pages } = await pdfText(bytes, onPage);
      return { ...base, text, pages };
    }
    const text = kind === 'docx' ? await docxText(bytes) : decodeText(bytes);
    if (!text.trim()) throw new AttachmentError('no-text', file.name, 'empty');
    return { ...base, text };
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    if (error instanceof PdfReadError) throw new AttachmentError(error.reason === 'password' ? 'password' : error.reason === 'no-text' ? 'no-text' : 'unreadable', file.name, error.message);
    throw new AttachmentError('unreadable', file.name, (error as Error).message);
  }
}

export function pastedAttachment(text: string, name: string): Attachment {
  return { id: crypto.randomUUID(), name, kind: 'paste', text, bytes: new TextEncoder().encode(text).length };
}
