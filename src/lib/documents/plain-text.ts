// Text files as they come: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, and
// otherwise GB18030, the encoding of Chinese text files saved by older Windows tools; decoding a
// GBK file as UTF-8 would give the garbled text this app promises not to show.

export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}
