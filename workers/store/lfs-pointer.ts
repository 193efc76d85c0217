// The SHA-256 a hub publishes for an LFS file is in its git pointer (`/raw/main/<file>`), not in
// an ETag: the hub sends it as X-Linked-Etag on a redirect that fetch follows unseen, and the CDN
// behind it has ETags of its own. A missing pointer (404, a small file kept in git) means no
// published SHA-256: the file is then checked by size and per-chunk digests only.
import { EngineError } from '../protocol/errors.ts';
import { request, TransientError } from './http.ts';

export interface LfsPointer {
  sha256: string;
  size: number;
}

/** Pointers are about 130 bytes; anything longer is the file itself, not a pointer. */
const MAX_POINTER_BYTES = 1024;

export async function fetchLfsPointer(url: string, file: string, signal?: AbortSignal): Promise<LfsPointer | null> {
  let response: Response;
  try {
    response = await request({ url, file, signal });
  } catch (error) {
    // No pointer to read (404, or a host without /raw/): nothing is published, not a failure.
    if (error instanceof EngineError && typeof error.detail?.['status'] === 'number') return null;
    throw error;
  }
  const length = Number(response.headers.get('Content-Length') ?? 0);
  if (response.status !== 200 || length > MAX_POINTER_BYTES) {
    await response.body?.cancel();
    return null;
  }
  return parseLfsPointer(await readPrefix(response, file));
}

export function parseLfsPointer(text: string): LfsPointer | null {
  const match = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n?$/.exec(text);
  return match ? { sha256: match[1]!, size: Number(match[2]) } : null;
}

// The body up to MAX_POINTER_BYTES (a host may send no Content-Length).
async function readPrefix(response: Response, file: string): Promise<string> {
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    while (total <= MAX_POINTER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      total += value.byteLength;
    }
  } catch (error) {
    throw new TransientError(`the connection dropped during the pointer of ${file}: ${String(error)}`);
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return total > MAX_POINTER_BYTES ? '' : new TextDecoder().decode(await new Blob(parts as Uint8Array<ArrayBuffer>[]).arrayBuffer());
}
