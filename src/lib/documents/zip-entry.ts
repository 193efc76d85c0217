// Reads one named file out of a ZIP archive (a .docx is one): the central directory at the end
// names where each entry starts; stored and deflated entries are supported (the two that Word,
// LibreOffice and Google Docs write), inflated with the browser's own DecompressionStream.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The entry's bytes, or null when the archive has no such file; throws on a file that is not a ZIP. */
export async function readZipEntry(zip: Uint8Array, path: string): Promise<Uint8Array | null> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = findEndOfDirectory(view);
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = new TextDecoder();
  for (let i = 0; i < entries; i++) {
    if (at + 46 > zip.byteLength || view.getUint32(at, true) !== CENTRAL) throw notZip('its file list is damaged');
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    if (names.decode(zip.subarray(at + 46, at + 46 + nameLength)) === path) return entryData(zip, view, local, method, compressed);
    at += 46 + skip;
  }
  return null;
}

function findEndOfDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65,535.
  for (let at = view.byteLength - 22; at >= Math.max(0, view.byteLength - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw notZip('it has no ZIP directory');
}

async function entryData(zip: Uint8Array, view: DataView, local: number, method: number, compressed: number): Promise<Uint8Array> {
  if (local + 30 > zip.byteLength || view.getUint32(local, true) !== LOCAL) throw notZip('an entry is damaged');
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const data = zip.subarray(start, start + compressed);
  if (method === 0) return data;
  if (method !== 8) throw notZip(`an entry uses compression method ${method}`);
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function notZip(why: string): Error {
  return new Error(`The file is not a readable .docx (${why}).`);
}
