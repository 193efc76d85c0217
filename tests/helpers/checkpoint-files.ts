// A checkpoint's files on disk, read by byte range as the converter reads the store's chunks;
// counts the bytes asked for so tests see that tensors are read one at a time.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointFiles } from '../../workers/convert/checkpoint.ts';

export class DiskCheckpointFiles implements CheckpointFiles {
  largestRead = 0;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  size(file: string): number {
    return statSync(join(this.#dir, file)).size;
  }

  async read(file: string, begin: number, end: number, into?: Uint8Array): Promise<Uint8Array> {
    this.largestRead = Math.max(this.largestRead, end - begin);
    const out = into ?? new Uint8Array(end - begin);
    const fd = openSync(join(this.#dir, file), 'r');
    try {
      readSync(fd, out, 0, out.byteLength, begin);
    } finally {
      closeSync(fd);
    }
    return out;
  }
}
