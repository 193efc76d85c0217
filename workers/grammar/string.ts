// JSON strings with optional length limits, counted in code points as JSON Schema (and ajv)
// count them. The bytes inside must form valid UTF-8, because a token may end mid-character and
// the engine decodes the bytes as UTF-8; raw control characters are out, escapes are the
// two-character ones (\" \\ \/ \b \f \n \r \t), and \u escapes are left out altogether.
import { byte, emit, Frame, type GrammarNode, type StringRun } from './frame.ts';

const QUOTE = byte('"');
const BACKSLASH = byte('\\');
const FILLER = byte('a');
/** The letters allowed after a backslash. */
export const ESCAPE_LETTERS: ReadonlySet<number> = new Set([...'"\\/bfnrt'].map(byte));

export class StringNode implements GrammarNode {
  readonly minLength: number;
  readonly maxLength: number;
  readonly shortest: number;

  constructor(minLength = 0, maxLength = Infinity) {
    this.minLength = minLength;
    this.maxLength = maxLength;
    this.shortest = minLength + 2;
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    out.push(QUOTE);
    for (let i = 0; i < this.minLength; i++) out.push(FILLER);
    out.push(QUOTE);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === QUOTE) out.push(new StringFrame(this, 0, 0, 0, 0, false, next));
  }
}

interface Lead {
  readonly pending: number;
  readonly lo: number;
  readonly hi: number;
}

const LEADS: readonly (Lead | null)[] = Array.from({ length: 256 }, (_, b): Lead | null => {
  // The first continuation byte's range rules out overlong forms, surrogates and code points
  // past U+10FFFF.
  if (b >= 0xc2 && b <= 0xdf) return { pending: 1, lo: 0x80, hi: 0xbf };
  if (b >= 0xe0 && b <= 0xef) return { pending: 2, lo: b === 0xe0 ? 0xa0 : 0x80, hi: b === 0xed ? 0x9f : 0xbf };
  if (b >= 0xf0 && b <= 0xf4) return { pending: 3, lo: b === 0xf0 ? 0x90 : 0x80, hi: b === 0xf4 ? 0x8f : 0xbf };
  return null;
});

/** A UTF-8 lead byte's continuation bytes, or null when `b` leads no character. */
function leadByte(b: number): Lead | null {
  return LEADS[b]!;
}

/** Characters in `bytes` when they are plain string content from a character boundary to
 * another (no quote, backslash or control byte, whole UTF-8 characters); -1 when not. */
export function plainStringChars(bytes: Uint8Array, from = 0): number {
  let chars = 0;
  for (let at = from; at < bytes.length; chars++) {
    const b = bytes[at++]!;
    if (b < 0x80) {
      if (b < 0x20 || b === QUOTE || b === BACKSLASH) return -1;
      continue;
    }
    const lead = leadByte(b);
    if (lead === null || at + lead.pending > bytes.length) return -1;
    for (let k = 0; k < lead.pending; k++) {
      const c = bytes[at++]!;
      if (k === 0 ? c < lead.lo || c > lead.hi : c < 0x80 || c > 0xbf) return -1;
    }
  }
  return chars;
}

/** For plain text that ends inside a character (`ab` and the first bytes of `é`): its
 * characters, that one included, and the continuation bytes still owed; null otherwise. */
export function partialStringChars(bytes: Uint8Array): { readonly chars: number; readonly pending: number } | null {
  let start = bytes.length - 1;
  while (start > 0 && start > bytes.length - 4 && bytes[start]! >= 0x80 && bytes[start]! < 0xc0) start--;
  const lead = leadByte(bytes[start]!);
  const present = bytes.length - start - 1;
  if (lead === null || present >= lead.pending) return null;
  for (let k = 0; k < present; k++) {
    const c = bytes[start + 1 + k]!;
    if (k === 0 ? c < lead.lo || c > lead.hi : c < 0x80 || c > 0xbf) return null;
  }
  const chars = plainStringChars(bytes.subarray(0, start));
  return chars < 0 ? null : { chars: chars + 1, pending: lead.pending - present };
}

/** Inside the quotes: `count` characters so far, `pending` continuation bytes still owed to the
 * current character (the next in lo..hi, any after it in 80..BF), or just after a backslash. */
class StringFrame extends Frame {
  readonly node: StringNode;
  readonly count: number;
  readonly pending: number;
  readonly lo: number;
  readonly hi: number;
  readonly escaped: boolean;

  constructor(node: StringNode, count: number, pending: number, lo: number, hi: number, escaped: boolean, next: Frame | null) {
    super(next);
    this.node = node;
    this.count = count;
    this.pending = pending;
    this.lo = lo;
    this.hi = hi;
    this.escaped = escaped;
  }

  step(b: number, out: Frame[]): void {
    const { node, count, next } = this;
    if (this.escaped) {
      // The backslash already counted the character.
      if (ESCAPE_LETTERS.has(b)) out.push(new StringFrame(node, count, 0, 0, 0, false, next));
      return;
    }
    if (this.pending > 0) {
      if (b >= this.lo && b <= this.hi) out.push(new StringFrame(node, count, this.pending - 1, 0x80, 0xbf, false, next));
      return;
    }
    if (b === QUOTE) {
      if (count >= node.minLength) emit(out, next!);
      return;
    }
    if (count >= node.maxLength || b < 0x20) return;
    if (b < 0x80) {
      out.push(new StringFrame(node, count + 1, 0, 0, 0, b === BACKSLASH, next));
      return;
    }
    const lead = leadByte(b);
    if (lead !== null) out.push(new StringFrame(node, count + 1, lead.pending, lead.lo, lead.hi, false, next));
  }

  #filler(): number {
    return Math.max(0, this.node.minLength - this.count);
  }

  protected ownCost(): number {
    return (this.escaped ? 1 : 0) + this.pending + this.#filler() + 1;
  }

  writeOwnClosing(out: number[]): void {
    if (this.escaped) out.push(byte('n'));
    for (let i = 0; i < this.pending; i++) out.push(i === 0 ? this.lo : 0x80);
    for (let i = this.#filler(); i > 0; i--) out.push(FILLER);
    out.push(QUOTE);
  }

  override tokenRun(): StringRun {
    const { minLength, maxLength } = this.node;
    const room = maxLength - this.count;
    if (this.escaped) return { kind: 'escape', lead: 1, filler: this.#filler(), room, sameWalkAs: null, closing: null, classesFitWithin: null };
    if (this.pending > 0) return { kind: 'continuation', lead: 0, filler: 0, room: 0, sameWalkAs: null, closing: null, classesFitWithin: null };
    // With no maxLength and minLength met, the count changes nothing: the steps on walk alike.
    const sameWalkAs = maxLength === Infinity && this.count >= minLength ? this.next : null;
    const closing = { to: this.next!, short: minLength - this.count, closable: null };
    return { kind: 'plain', lead: 0, filler: this.#filler(), room, sameWalkAs, closing, classesFitWithin: null };
  }
}
