// SHA-256 two ways: each chunk with WebCrypto (native, checked on every load), and each whole
// file incrementally with hash-wasm, whose state can be saved after every chunk so a download
// resumed after a reload still ends with the whole file's digest, without reading it back.
import { createSHA256, type IHasher } from 'hash-wasm';

export async function chunkDigest(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

export class FileHasher {
  readonly #hasher: IHasher;

  private constructor(hasher: IHasher) {
    this.#hasher = hasher;
  }

  /** A hasher at the start of a file, or where `state` (from save()) left off. */
  static async open(state: string | null): Promise<FileHasher> {
    const hasher = await createSHA256();
    if (state) hasher.load(fromBase64(state));
    else hasher.init();
    return new FileHasher(hasher);
  }

  update(bytes: Uint8Array): void {
    this.#hasher.update(bytes);
  }

  save(): string {
    return toBase64(this.#hasher.save());
  }

  hex(): string {
    return this.#hasher.digest('hex');
  }
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
