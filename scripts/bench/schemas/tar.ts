// The regular files of a .tar.gz, read in memory (ustar with GNU long names and pax paths: what
// GNU and BSD tar write), so the bench reads MaskBench's archive without unpacking it.
import { gunzipSync } from 'node:zlib';

export interface TarFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

export function readTarGz(archive: Uint8Array): TarFile[] {
  const tar = gunzipSync(archive);
  const files: TarFile[] = [];
  // Set by a GNU long-name ('L') or pax ('x') entry: the path of the entry after it.
  let nextPath: string | null = null;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      nextPath = text(body, 0, size);
    } else if (type === 'x') {
      nextPath = paxPath(decoder.decode(body)) ?? nextPath;
    } else {
      const prefix = text(header, 345, 155);
      const path = nextPath ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
      nextPath = null;
      if (type === '0' || type === '\0') files.push({ path, bytes: body });
    }
  }
  return files;
}

/** A NUL-terminated header field. */
function text(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

/** The `path` record of pax extended headers ("<length> path=<value>\n" lines). */
function paxPath(records: string): string | null {
  for (const line of records.split('\n')) {
    const match = /^\d+ path=(.*)$/s.exec(line);
    if (match !== null) return match[1]!;
  }
  return null;
}
