// The text of a Word document: word/document.xml's runs, one line per paragraph, tabs and line
// breaks kept, table cells separated by tabs. Formatting, images and fields' codes are left out.
import { readZipEntry } from './zip-entry.ts';

const TOKEN = /<(\/?)w:(p|t|tab|br|cr|tc|tr|instrText)\b[^>]*?(\/?)>|<[^>]*>|([^<]+)/g;

export async function docxText(bytes: Uint8Array): Promise<string> {
  const xml = await readZipEntry(bytes, 'word/document.xml');
  if (!xml) throw new Error('The file is a ZIP archive but not a Word document (it has no word/document.xml).');
  return documentXmlText(new TextDecoder().decode(xml));
}

export function documentXmlText(xml: string): string {
  let out = '';
  let inText = false;
  for (const [, closing, tag, selfClosing, text] of xml.matchAll(TOKEN)) {
    if (text !== undefined) {
      if (inText) out += decodeEntities(text);
      continue;
    }
    if (tag === 't') inText = !closing && !selfClosing;
    else if (tag === 'tab' && !closing) out += '\t';
    else if ((tag === 'br' || tag === 'cr') && !closing) out += '\n';
    else if (tag === 'p' && (closing || selfClosing)) out += '\n';
    else if (tag === 'tc' && closing) out = `${out.replace(/\n$/, '')}\t`;
    else if (tag === 'tr' && closing) out = `${out.replace(/\t$/, '')}\n`;
  }
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] !== '#') return NAMED[body] ?? entity;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}
