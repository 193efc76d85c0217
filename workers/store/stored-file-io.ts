// Byte-range reads of a stored file and chunked writes of a new one, for building a model from
// what the store holds (the converter reads a checkpoint's tensors and writes the ONNX build).
// Reads check each chunk against the SHA-256 recorded at download, once per chunk held; writes
// record each chunk's SHA-256 as the download does, so the model reader checks them at every load.
import { EngineError } from '../protocol/errors.ts';
import { readInto } from './blob-read.ts';
import { chunkDigest } from './checksums.ts';
import { deleteFileChunks, getChunk, putChunk } from './idb.ts';
import type { StoredFile, StoredModel } from './records.ts';

export class StoredFileReader {
  readonly #model: StoredModel;
  /** The last chunk read, by file: tensors follow one another in a file, so most reads hit it. */
  readonly #held = new Map<string, { index: number; bytes: Uint8Array; buffer: Uint8Array }>();

  constructor(model: StoredModel) {
    this.#model = model;
  }

  size(path: string): number {
    return this.#file(path).size;
  }

  /** Bytes [begin, end) of a stored file, into `into` when given. */
  async read(path: string, begin: number, end: number, into?: Uint8Array): Promise<Uint8Array> {
    const file = this.#file(path);
    if (begin < 0 || end > file.size || begin > end) throw new RangeError(`${path}: bytes ${begin}-${end} of ${file.size}`);
    const out = into ?? new Uint8Array(end - begin);
    const size = this.#model.chunkBytes;
    for (let index = Math.floor(begin / size); index * size < end; index++) {
      const chunk = await this.#chunk(file, index);
      const from = Math.max(begin, index * size);
      const to = Math.min(end, (index + 1) * size);
      out.set(chunk.subarray(from - index * size, to - index * size), from - begin);
    }
    return out;
  }

  async #chunk(file: StoredFile, index: number): Promise<Uint8Array> {
    const held = this.#held.get(file.path);
    if (held?.index === index) return held.bytes;
    const blob = await getChunk(this.#model.key, file.path, index);
    // The file's previous chunk is no longer needed: its buffer takes this one.
    const buffer = held && blob && held.buffer.byteLength >= blob.size ? held.buffer : new Uint8Array(this.#model.chunkBytes);
    const bytes = blob ? buffer.subarray(0, blob.size) : null;
    if (bytes) await readInto(blob!, bytes);
    if (!bytes || (await chunkDigest(bytes)) !== file.chunks[index]) {
      throw new EngineError('model_corrupt', `Part ${index + 1} of the stored ${file.path} (${this.#model.repo}) is damaged, so the model cannot be converted. Delete the model and load it again.`, { repo: this.#model.repo, file: file.path, chunk: index });
    }
    this.#held.set(file.path, { index, bytes, buffer });
    return bytes;
  }

  #file(path: string): StoredFile {
    const file = this.#model.files.find((f) => f.path === path && f.complete);
    if (!file) throw new EngineError('model_files_invalid', `${this.#model.repo} has no complete ${path} in the store.`, { repo: this.#model.repo, file: path });
    return file;
  }
}

/** Writes a new file into the model's chunks as bytes are appended; `finish` gives its record. */
export class StoredFileWriter {
  readonly #model: StoredModel;
  readonly #file: StoredFile;
  readonly #buffer: Uint8Array;
  #filled = 0;

  private constructor(model: StoredModel, path: string) {
    this.#model = model;
    this.#file = { path, size: 0, etag: null, sha256: null, chunks: [], hashState: null, complete: false };
    this.#buffer = new Uint8Array(model.chunkBytes);
  }

  /** A writer for `path`, whose chunks from an earlier, unfinished write are dropped first. */
  static async create(model: StoredModel, path: string): Promise<StoredFileWriter> {
    await deleteFileChunks(model.key, path);
    return new StoredFileWriter(model, path);
  }

  async append(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.byteLength; ) {
      const take = Math.min(bytes.byteLength - at, this.#buffer.byteLength - this.#filled);
      this.#buffer.set(bytes.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === this.#buffer.byteLength) await this.#flush();
    }
  }

  async finish(): Promise<StoredFile> {
    if (this.#filled > 0 || this.#file.chunks.length === 0) await this.#flush();
    this.#file.complete = true;
    return this.#file;
  }

  async #flush(): Promise<void> {
    const bytes = this.#buffer.slice(0, this.#filled);
    await putChunk(this.#model.key, this.#file.path, this.#file.chunks.length, new Blob([bytes]));
    this.#file.chunks.push(await chunkDigest(bytes));
    this.#file.size += bytes.byteLength;
    this.#filled = 0;
  }
}
