// Downloads one model file into IndexedDB chunk by chunk, resumable: every stored chunk is
// recorded (with its SHA-256 and the whole-file hash state) before the next one starts, so an
// interruption of any kind, a reload included, costs at most the chunk that was in flight.
// Resumes ask for the rest with Range; a host that ignores Range gets the already stored bytes
// skipped, and a host whose file changed (new ETag) restarts the file.
import { EngineError } from '../protocol/errors.ts';
import { chunkDigest, FileHasher } from './checksums.ts';
import { abortError, contentRange, request, reportedSize, sleep, TransientError } from './http.ts';
import { deleteFileChunks, putChunk, putModel } from './idb.ts';
import { storedBytes, type StoredFile, type StoredModel } from './records.ts';

export interface RetryPolicy {
  /** Failed attempts in a row (without a new chunk stored) before giving up. */
  attempts: number;
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000 };

export interface FileDownload {
  model: StoredModel;
  file: StoredFile;
  url: string;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Bytes of this file in hand so far (stored plus the chunk being filled). */
  onBytes: (bytesDone: number) => void;
}

export async function downloadFile(job: FileDownload): Promise<void> {
  const { file, retry, signal } = job;
  let failures = 0;
  while (!file.complete) {
    if (signal?.aborted) throw abortError();
    const before = file.chunks.length;
    try {
      await fetchRest(job);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (file.chunks.length > before) failures = 0;
      if (++failures > retry.attempts) {
        throw new EngineError(
          'model_fetch_failed',
          `The download of ${file.path} keeps failing (${error.message}). What is stored is kept: load the model again to resume, or pick another model source.`,
          { file: file.path },
        );
      }
      await sleep(retry.baseDelayMs * 2 ** (failures - 1), signal);
    }
  }
}

/** Stores `bytes` (a whole small file fetched earlier) as this file's content. */
export async function storeWholeFile(model: StoredModel, file: StoredFile, bytes: Uint8Array): Promise<void> {
  const hasher = await FileHasher.open(null);
  let start = 0;
  do {
    await storeChunk(model, file, hasher, bytes.subarray(start, start + model.chunkBytes));
    start += model.chunkBytes;
  } while (start < bytes.byteLength);
  await finishFile(model, file, hasher);
}

async function fetchRest(job: FileDownload): Promise<void> {
  const { model, file, url, signal } = job;
  const start = storedBytes(file, model.chunkBytes);
  // A plain single Range is CORS-safelisted; If-Range is not and would cost a preflight the hub
  // may refuse, so a changed file is caught by comparing the answer's ETag instead.
  const headers: Record<string, string> = start > 0 ? { Range: `bytes=${start}-` } : {};
  const response = await request({ url, file: file.path, headers, signal });
  if (response.status === 416) {
    await response.body?.cancel();
    if (start === file.size) {
      // Every byte is stored (the last write landed, the record's "complete" did not): check
      // them against the hash state saved with them, with no download.
      await finishFile(model, file, await FileHasher.open(file.hashState));
      return;
    }
    // The file shrank on the host: what is stored belongs to another version.
    await restartFile(model, file, file.size);
    throw new TransientError(`${file.path} changed on the host (416 for a resume)`);
  }
  let skip = 0;
  const etag = response.headers.get('ETag');
  const changed = file.etag !== null && etag !== null && etag !== file.etag;
  if (response.status === 206) {
    if (changed || !answersRange(response, start, file.size)) {
      const range = contentRange(response);
      await response.body?.cancel();
      await restartFile(model, file, range?.total ?? file.size, etag);
      throw new TransientError(`${file.path} changed on the host (new ETag or Content-Range)`);
    }
  } else if (start > 0) {
    const size = reportedSize(response);
    if (changed || (size !== null && size !== file.size)) {
      // The whole file again because it changed: the stored part belongs to the old version.
      await restartFile(model, file, size ?? file.size, etag);
    } else {
      skip = start; // the host ignores Range: read past what is stored
    }
  }
  await streamIntoChunks(job, response, skip);
}

// Whether a 206 is the rest of this file from `start`. Content-Range is not a CORS-safelisted
// header: a CDN that does not expose it leaves only Content-Length to go by.
function answersRange(response: Response, start: number, size: number): boolean {
  const range = contentRange(response);
  if (range) return range.start === start && (range.total === null || range.total === size);
  if (response.headers.get('Content-Range') !== null) return false;
  const length = response.headers.get('Content-Length');
  return length !== null && Number(length) === size - start;
}

// The network is read while the chunk before is stored (one store in flight, so two chunks in
// memory at most): a worker that stopped reading during each IndexedDB write let the host run
// megabytes ahead, and a cut then lost those too, not just the chunk being filled.
async function streamIntoChunks(job: FileDownload, response: Response, skip: number): Promise<void> {
  const { model, file, signal } = job;
  const hasher = await FileHasher.open(file.hashState);
  // Bytes read into full chunks, stored or being stored.
  let received = storedBytes(file, model.chunkBytes);
  // Sized to the chunk being filled: a full chunk, or the file's shorter last one.
  const nextBuffer = (): Uint8Array => new Uint8Array(Math.min(model.chunkBytes, file.size - received));
  let buffer = nextBuffer();
  let filled = 0;
  let storing: Promise<void> = Promise.resolve();
  const tooMany = (): EngineError => new EngineError('model_files_invalid', `The host sent more bytes for ${file.path} than its size (${file.size}).`, { file: file.path });
  const reader = response.body!.getReader();
  const stop = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    while (received < file.size) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw abortError();
        throw new TransientError(`the connection dropped during ${file.path}: ${String(error)}`);
      }
      if (signal?.aborted) throw abortError();
      if (result.done) throw new TransientError(`the host ended ${file.path} early, at ${received + filled} of ${file.size} bytes`);
      let value = result.value;
      const dropped = Math.min(skip, value.byteLength);
      skip -= dropped;
      value = value.subarray(dropped);
      while (value.byteLength > 0) {
        if (received === file.size) throw tooMany();
        const take = Math.min(buffer.byteLength - filled, value.byteLength);
        buffer.set(value.subarray(0, take), filled);
        filled += take;
        value = value.subarray(take);
        if (filled === buffer.byteLength) {
          await storing;
          storing = storeChunk(model, file, hasher, buffer);
          // Settled by the next await of `storing`; this only keeps a failure from going unhandled meanwhile.
          storing.catch(() => undefined);
          received += buffer.byteLength;
          filled = 0;
          if (received < file.size) buffer = nextBuffer();
        }
      }
      job.onBytes(received + filled);
    }
    await storing;
  } catch (error) {
    // Every full chunk read is stored before a retry asks for the rest; a failed store wins.
    await storing;
    throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    stop(); // frees the connection; a no-op once the body is read
  }
  await finishFile(model, file, hasher);
}

async function storeChunk(model: StoredModel, file: StoredFile, hasher: FileHasher, bytes: Uint8Array): Promise<void> {
  const digest = await chunkDigest(bytes);
  hasher.update(bytes);
  await putChunk(model.key, file.path, file.chunks.length, new Blob([bytes as Uint8Array<ArrayBuffer>]));
  file.chunks.push(digest);
  file.hashState = hasher.save();
  await putModel(model);
}

async function finishFile(model: StoredModel, file: StoredFile, hasher: FileHasher): Promise<void> {
  const digest = hasher.hex();
  if (file.sha256 && digest !== file.sha256) {
    await restartFile(model, file, file.size);
    throw new EngineError(
      'model_corrupt',
      `${file.path} arrived damaged: its SHA-256 does not match the one the host publishes. The damaged copy was deleted; load again to download it anew, or pick another model source.`,
      { file: file.path, expected: file.sha256, actual: digest },
    );
  }
  file.complete = true;
  file.hashState = null;
  await putModel(model);
}

async function restartFile(model: StoredModel, file: StoredFile, size: number, etag?: string | null): Promise<void> {
  file.size = size;
  if (etag !== undefined) file.etag = etag;
  file.chunks = [];
  file.hashState = null;
  file.complete = false;
  await putModel(model);
  await deleteFileChunks(model.key, file.path);
}
