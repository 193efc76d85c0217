// The key of a member the schema lets in beyond its listed properties (additionalProperties):
// any string but a listed name, since a listed name must take its own schema (and its place in
// the order). The key's decoded text is followed through a trie of those names while it is still
// a prefix of one; once it leaves them, it is a plain string.
import { byte, emit, Frame, type TokenRun } from './frame.ts';
import { StringNode } from './string.ts';

const QUOTE = byte('"');
const BACKSLASH = byte('\\');
const ANY_STRING = new StringNode();
const textEncoder = new TextEncoder();
/** What each escape letter stands for. */
const UNESCAPED = new Map([...'"\\/bfnrt'].map((letter, i) => [byte(letter), [0x22, 0x5c, 0x2f, 0x08, 0x0c, 0x0a, 0x0d, 0x09][i]!]));

export class FreeKey {
  /** Trie over the names' UTF-8 bytes: node -> byte -> child; node 0 is the root. */
  readonly #children: Map<number, number>[] = [new Map()];
  readonly #name: boolean[] = [false];
  /** The shortest key that is no listed name, quotes included. */
  readonly shortestText: Uint8Array;

  constructor(excluded: readonly string[]) {
    for (const name of excluded) {
      let at = 0;
      for (const b of textEncoder.encode(name)) {
        let child = this.#children[at]!.get(b);
        if (child === undefined) {
          child = this.#children.length;
          this.#children[at]!.set(b, child);
          this.#children.push(new Map());
          this.#name.push(false);
        }
        at = child;
      }
      this.#name[at] = true;
    }
    this.shortestText = Uint8Array.of(QUOTE, ...(this.#name[0] ? [this.divert(0)] : []), QUOTE);
  }

  /** Pushes the frames after the key's opening quote `b`; `next` reads what follows the key. */
  start(b: number, next: Frame, out: Frame[]): void {
    if (this.#children[0]!.size === 0 && !this.#name[0]) {
      ANY_STRING.start(b, next, out);
      return;
    }
    const inner: Frame[] = [];
    ANY_STRING.start(b, next, inner);
    for (const frame of inner) out.push(new FreeKeyFrame(this, frame, 0, false));
  }

  /** The trie node after decoded byte `b` from `at`, or -1 when the key left every name. */
  child(at: number, b: number): number {
    return this.#children[at]!.get(b) ?? -1;
  }

  isName(at: number): boolean {
    return this.#name[at]!;
  }

  /** A letter that takes the key off every name from `at`. */
  divert(at: number): number {
    for (let b = byte('a'); ; b++) if (!this.#children[at]!.has(b)) return b;
  }
}

/** Inside a free key whose decoded text so far is trie node `at` (still a prefix of a name);
 * `escaped` just after a backslash. `inner` is the plain string's frame, whose `next` this shares. */
class FreeKeyFrame extends Frame {
  readonly key: FreeKey;
  readonly inner: Frame;
  readonly at: number;
  readonly escaped: boolean;

  constructor(key: FreeKey, inner: Frame, at: number, escaped: boolean) {
    super(inner.next);
    this.key = key;
    this.inner = inner;
    this.at = at;
    this.escaped = escaped;
  }

  step(b: number, out: Frame[]): void {
    const inner: Frame[] = [];
    this.inner.step(b, inner);
    for (const frame of inner) {
      if (frame === this.next) {
        if (!this.key.isName(this.at)) emit(out, frame);
        continue;
      }
      const { at, escaped } = this.#follow(b);
      if (at < 0) out.push(frame);
      else out.push(new FreeKeyFrame(this.key, frame, at, escaped));
    }
  }

  /** The trie node and escape state after raw byte `b` (not the closing quote). */
  #follow(b: number): { at: number; escaped: boolean } {
    if (this.escaped) return { at: this.key.child(this.at, UNESCAPED.get(b)!), escaped: false };
    if (b === BACKSLASH) return { at: this.at, escaped: true };
    return { at: this.key.child(this.at, b), escaped: false };
  }

  /** The plain string's closing bytes, with a diverting letter before the quote when they would
   * spell a listed name. */
  #closing(): number[] {
    const bytes: number[] = [];
    this.inner.writeOwnClosing(bytes);
    let state: { at: number; escaped: boolean } = { at: this.at, escaped: this.escaped };
    for (const b of bytes.slice(0, -1)) {
      if (state.at < 0) break;
      state = (state.escaped ? { at: this.key.child(state.at, UNESCAPED.get(b)!), escaped: false } : b === BACKSLASH ? { at: state.at, escaped: true } : { at: this.key.child(state.at, b), escaped: false });
    }
    if (state.at >= 0 && this.key.isName(state.at)) bytes.splice(bytes.length - 1, 0, this.key.divert(state.at));
    return bytes;
  }

  protected ownCost(): number {
    return this.#closing().length;
  }

  writeOwnClosing(out: number[]): void {
    out.push(...this.#closing());
  }

  override tokenRun(): TokenRun | null {
    // The plain-text class may take the key onto a name for now; the closing quote is what the
    // walk checks. A walk from here is not the plain string's, so it is not shared.
    const run = this.inner.tokenRun();
    return run === null ? run : { ...run, sameWalkAs: null };
  }
}
