// A range of code points as the UTF-8 byte sequences that spell it: a list of sequences, each a
// list of byte ranges [lo, hi] (one per byte), as in RE2's and Rust regex's UTF-8 compilers.
// Surrogates (U+D800..U+DFFF) are left out: valid UTF-8 never encodes them.

export type ByteRange = readonly [number, number];

const MAX_BY_LENGTH = [0x7f, 0x7ff, 0xffff, 0x10ffff];

export function utf8Sequences(lo: number, hi: number): ByteRange[][] {
  const out: ByteRange[][] = [];
  if (lo < 0xd800) split(lo, Math.min(hi, 0xd7ff), out);
  if (hi > 0xdfff) split(Math.max(lo, 0xe000), hi, out);
  return out;
}

function split(lo: number, hi: number, out: ByteRange[][]): void {
  if (lo > hi) return;
  // One encoded length at a time.
  for (const max of MAX_BY_LENGTH) {
    if (lo <= max && hi > max) {
      split(lo, max, out);
      split(max + 1, hi, out);
      return;
    }
  }
  const length = encode(lo).length;
  // Until lo and hi differ only in whole trailing continuation bytes (each a full 80..BF).
  for (let i = 1; i < length; i++) {
    const mask = (1 << (6 * i)) - 1;
    if ((lo & ~mask) !== (hi & ~mask)) {
      if ((lo & mask) !== 0) {
        split(lo, lo | mask, out);
        split((lo | mask) + 1, hi, out);
        return;
      }
      if ((hi & mask) !== mask) {
        split(lo, (hi & ~mask) - 1, out);
        split(hi & ~mask, hi, out);
        return;
      }
    }
  }
  const a = encode(lo);
  const b = encode(hi);
  out.push(a.map((byte, i) => [byte, b[i]!] as const));
}

function encode(c: number): number[] {
  if (c < 0x80) return [c];
  if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  if (c < 0x10000) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
  return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}
