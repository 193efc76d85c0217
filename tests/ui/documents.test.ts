// Documents attached to a chat message: the .docx reader (its own ZIP reader, on archives written
// as Word writes them), text decoding (UTF-8, UTF-16, GB18030), the files refused with a reason,
// how attachments reach the model and that they are stored and imported with the conversation.
import { describe, expect, it } from 'vitest';
import { zip } from '../helpers/zip-writer.ts';
import { docxText, documentXmlText } from '../../src/lib/documents/docx-text.ts';
import { readZipEntry } from '../../src/lib/documents/zip-entry.ts';
import { decodeText } from '../../src/lib/documents/plain-text.ts';
import { AttachmentError, readAttachment } from '../../src/lib/documents/read-attachment.ts';
import { attachmentKind, contentWithAttachments, type Attachment } from '../../src/lib/documents/attachment.ts';
import { draftRequestMessages, newConversation, parseStored, requestMessages } from '../../src/lib/state/conversation.ts';

const DOCUMENT_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Grand Canal</w:t></w:r><w:r><w:t xml:space="preserve"> report</w:t></w:r></w:p>
<w:p><w:r><w:t>Length:</w:t></w:r><w:r><w:tab/><w:t>1,794 km &amp; 24 locks &lt;approx.&gt;</w:t></w:r></w:p>
<w:p><w:r><w:t>First line</w:t><w:br/><w:t>second line</w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:t>京杭大运河&#x2014;北京至杭州</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>City</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Province</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Hangzhou</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Zhejiang</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:sectPr/></w:body></w:document>`;

const EXPECTED_TEXT = 'Grand Canal report\nLength:\t1,794 km & 24 locks <approx.>\nFirst line\nsecond line\n\n京杭大运河—北京至杭州\nCity\tProvince\nHangzhou\tZhejiang';

function docx(documentXml: string, stored = false): Uint8Array {
  return zip([
    { path: '[Content_Types].xml', data: '<Types/>' },
    { path: '_rels/.rels', data: '<Relationships/>' },
    { path: 'word/document.xml', data: documentXml, stored },
    { path: 'word/styles.xml', data: '<w:styles/>' },
  ]);
}

function file(name: string, data: Uint8Array | string): File {
  return new File([typeof data === 'string' ? data : (data as Uint8Array<ArrayBuffer>)], name);
}

async function problem(promise: Promise<unknown>): Promise<AttachmentError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AttachmentError);
  return error as AttachmentError;
}

describe('docx text', () => {
  it('reads paragraphs, tabs, breaks, entities, table rows and Chinese from a deflated or stored document.xml', async () => {
    expect(await docxText(docx(DOCUMENT_XML))).toBe(EXPECTED_TEXT);
    expect(await docxText(docx(DOCUMENT_XML, true))).toBe(EXPECTED_TEXT);
  });

  it('leaves field codes out and keeps text in runs split anywhere', () => {
    expect(documentXmlText('<w:p><w:r><w:instrText>HYPERLINK "x"</w:instrText></w:r><w:r><w:t>Wu</w:t></w:r><w:r><w:t>zhen</w:t></w:r></w:p>')).toBe('Wuzhen');
  });

  it('finds an entry after a ZIP comment, and says which part is missing or damaged', async () => {
    const archive = docx(DOCUMENT_XML);
    const commented = new Uint8Array(archive.length + 7);
    commented.set(archive);
    commented.set(new TextEncoder().encode('comment'), archive.length);
    new DataView(commented.buffer).setUint16(archive.length - 2, 7, true);
    expect(new TextDecoder().decode((await readZipEntry(commented, 'word/styles.xml'))!)).toBe('<w:styles/>');
    expect(await readZipEntry(archive, 'word/missing.xml')).toBeNull();
    await expect(docxText(zip([{ path: 'content.xml', data: '<office/>' }]))).rejects.toThrow(/not a Word document/);
    await expect(docxText(new TextEncoder().encode('PK not really a zip'))).rejects.toThrow(/no ZIP directory/);
    const cut = archive.slice(0, 40);
    await expect(docxText(cut)).rejects.toThrow(/not a readable \.docx/);
  });
});

describe('text files', () => {
  it('decodes UTF-8 (with or without a byte-order mark), UTF-16 with its mark, and GB18030', () => {
    const text = 'Qwen 通义千问 ✓';
    const utf8 = new TextEncoder().encode(text);
    expect(decodeText(utf8)).toBe(text);
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]))).toBe(text);
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) new DataView(utf16.buffer).setUint16(2 + i * 2, text.charCodeAt(i), true);
    expect(decodeText(utf16)).toBe(text);
    // 你好，运河 in GBK, as Notepad on a Chinese Windows saved it.
    expect(decodeText(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3, 0xa3, 0xac, 0xd4, 0xcb, 0xba, 0xd3]))).toBe('你好，运河');
  });
});

describe('reading an attachment', () => {
  it('reads .txt, .md and .docx files into attachments with their name, kind and size', async () => {
    const notes = await readAttachment(file('notes.md', '# Canal\n\nLocks and bridges.'));
    expect(notes).toMatchObject({ name: 'notes.md', kind: 'markdown', text: '# Canal\n\nLocks and bridges.', bytes: 27 });
    const report = await readAttachment(file('report.docx', docx(DOCUMENT_XML)));
    expect(report).toMatchObject({ name: 'report.docx', kind: 'docx', text: EXPECTED_TEXT });
    expect((await readAttachment(file('log.TXT', 'a'))).kind).toBe('text');
  });

  it('refuses unsupported, empty and damaged files with the problem the UI words', async () => {
    expect((await problem(readAttachment(file('photo.png', 'x')))).problem).toBe('unsupported');
    expect((await problem(readAttachment(file('old.doc', 'x')))).problem).toBe('unsupported');
    expect((await problem(readAttachment(file('empty.txt', '  \n')))).problem).toBe('no-text');
    const damaged = await problem(readAttachment(file('broken.docx', 'not a zip at all, just text')));
    expect(damaged.problem).toBe('unreadable');
    expect(damaged.fileName).toBe('broken.docx');
    expect(attachmentKind('Report.PDF')).toBe('pdf');
  });
});

describe('attachments in the conversation', () => {
  const doc: Attachment = { id: 'a1', name: 'canal "notes".txt', kind: 'text', text: '\nLocks: 24\n', bytes: 11 };

  it('puts each document before the message as a named block', () => {
    expect(contentWithAttachments('How many locks?', [doc])).toBe('<file name="canal \'notes\'.txt">\nLocks: 24\n</file>\n\nHow many locks?');
    expect(contentWithAttachments('', [doc])).toBe('<file name="canal \'notes\'.txt">\nLocks: 24\n</file>');
    expect(contentWithAttachments('Hi', undefined)).toBe('Hi');
  });

  it('sends a message that is only a document, and counts the draft with its documents', () => {
    const c = newConversation({ systemPrompt: 'Be brief.' });
    c.messages.push({ id: 'm1', role: 'user', content: '', createdAt: 1, attachments: [doc] });
    expect(requestMessages(c)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: '<file name="canal \'notes\'.txt">\nLocks: 24\n</file>' },
    ]);
    c.draft = 'And bridges?';
    c.draftAttachments = [{ ...doc, id: 'a2', name: 'bridges.md', text: 'Bridges: 9' }];
    expect(draftRequestMessages(c).at(-1)).toEqual({ role: 'user', content: '<file name="bridges.md">\nBridges: 9\n</file>\n\nAnd bridges?' });
  });

  it('keeps attachments (sent and drafted) through storage, and refuses malformed ones', () => {
    const c = newConversation();
    c.messages.push({ id: 'm1', role: 'user', content: 'Read this', createdAt: 1, attachments: [doc] });
    c.draftAttachments = [{ ...doc, id: 'a2', kind: 'pdf', pages: 100 }];
    const { conversations, skipped } = parseStored([JSON.parse(JSON.stringify(c))]);
    expect(skipped).toEqual([]);
    expect(conversations[0]!.messages[0]!.attachments).toEqual([doc]);
    expect(conversations[0]!.draftAttachments).toEqual([{ ...doc, id: 'a2', kind: 'pdf', pages: 100 }]);
    const bad = JSON.parse(JSON.stringify(c));
    bad.messages[0].attachments[0].text = 42;
    expect(parseStored([bad]).skipped[0]).toMatch(/attachment without a name, a kind or text/);
    const badKind = JSON.parse(JSON.stringify(c));
    badKind.draftAttachments[0].kind = 'exe';
    expect(parseStored([badKind]).skipped[0]).toMatch(/draft has an attachment/);
  });
});
