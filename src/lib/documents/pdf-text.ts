// The text layer of a PDF, page by page, with pdf.js (Mozilla's reader, loaded only when a PDF is
// attached; it parses in a worker of its own). Chinese, Japanese and Korean PDFs often name
// Adobe's predefined CMaps: those ship with the app (vite.config.ts) so they read offline.

export interface PdfText {
  text: string;
  pages: number;
}

export class PdfReadError extends Error {
  readonly reason: 'password' | 'no-text' | 'invalid';
  constructor(reason: PdfReadError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export async function pdfText(bytes: Uint8Array, onPage?: (done: number, total: number) => void): Promise<PdfText> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  const task = pdfjs.getDocument({ data: bytes, cMapUrl: `${import.meta.env.BASE_URL}pdfjs/cmaps/`, cMapPacked: true, disableFontFace: true });
  let doc;
  try {
    doc = await task.promise;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'PasswordException') throw new PdfReadError('password', 'The PDF is password-protected. Save a copy without the password, then attach that.');
    throw new PdfReadError('invalid', `The file could not be read as a PDF (${(error as Error).message}).`);
  }
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
      page.cleanup();
      onPage?.(n, doc.numPages);
    }
    const text = pages.map((p) => p.trim()).join('\n\n').trim();
    if (!text) throw new PdfReadError('no-text', 'The PDF has no text layer (a scan or images only), so there is nothing the model can read. Run it through OCR first, or paste the text.');
    return { text, pages: doc.numPages };
  } finally {
    await task.destroy();
  }
}
