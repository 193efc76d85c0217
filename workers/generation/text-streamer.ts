// Turns generated token ids into stable text deltas. Decodes a short window of recent tokens
// (text-generation-inference's prefixOffset/readOffset) instead of the whole answer each step,
// and holds back a trailing U+FFFD: a character whose UTF-8 bytes span several tokens.
// Assumes, as for byte-level BPE, that decoding splits at character boundaries.

const INCOMPLETE = 0xfffd;

export class TextStreamer {
  readonly #decode: (ids: readonly number[]) => string;
  readonly #ids: number[] = [];
  // The window is ids[prefixOffset, end). ids[prefixOffset, readOffset) were emitted before
  // and are decoded again only as context; windowEmitted counts the window's text emitted so
  // far. The window moves on once its tokens decode to whole characters.
  #prefixOffset = 0;
  #readOffset = 0;
  #windowEmitted = 0;
  #text = '';

  constructor(decode: (ids: readonly number[]) => string) {
    this.#decode = decode;
  }

  /** The text the new token completes: '' while it only begins a character. */
  push(tokenId: number): string {
    this.#ids.push(tokenId);
    const windowText = this.#decode(this.#ids.slice(this.#prefixOffset));
    let stableEnd = windowText.length;
    while (stableEnd > 0 && windowText.charCodeAt(stableEnd - 1) === INCOMPLETE) stableEnd--;
    const delta = this.#emit(windowText, stableEnd);
    if (stableEnd === windowText.length) this.#advance();
    return delta;
  }

  /** Whatever is still held back, as the decoder renders it (an unfinished character as U+FFFD). */
  flush(): string {
    const windowText = this.#decode(this.#ids.slice(this.#prefixOffset));
    const delta = this.#emit(windowText, windowText.length);
    this.#advance();
    return delta;
  }

  /** Everything emitted so far; after flush(), the decoding of all pushed ids. */
  get text(): string {
    return this.#text;
  }

  #emit(windowText: string, end: number): string {
    if (end <= this.#windowEmitted) return '';
    const delta = windowText.slice(this.#windowEmitted, end);
    this.#windowEmitted = end;
    this.#text += delta;
    return delta;
  }

  #advance(): void {
    this.#prefixOffset = this.#readOffset;
    this.#readOffset = this.#ids.length;
    this.#windowEmitted = this.#decode(this.#ids.slice(this.#prefixOffset, this.#readOffset)).length;
  }
}
