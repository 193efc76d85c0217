// The key of a member the schema lets in beyond its listed properties (additionalProperties or
// patternProperties): never a listed name, since a listed name must take its own schema (and be
// written at most once). The key's decoded text is followed through a trie of those names while it
// is still a prefix of one, and through the patternProperties DFA when there is one, to tell
// at the closing quote which schema the value takes. Once the key has left the names and can no
// longer match the pattern, it is a plain string.
import type { ByteDfa } from './byte-dfa.ts';
import { byte, emit, Frame, type GrammarNode, type TokenRun } from './frame.ts';

const BACKSLASH = byte('\\');
const textEncoder = new TextEncoder();
/** What each escape letter stands for (others, \u..., are not taken inside a followed key). */
const UNESCAPED = new Map([...'"\\/bfnrt'].map((letter, i) => [byte(letter), [0x22, 0x5c, 0x2f, 0x08, 0x0c, 0x0a, 0x0d, 0x09][i]!]));

/** Where a key is: its trie node (-1 once off every name), after a backslash or not, and its
 * DFA state (-1 once it can't match, or with no DFA). */
interface KeyPosition {
  readonly at: number;
  readonly escaped: boolean;
  readonly state: number;
}

export class FreeKey {
  /** The string node the key's text is (any string, or a pattern's). */
  readonly inner: GrammarNode;
  /** The pattern that sends a value to the matched schema, when other keys take another one. */
  readonly dfa: ByteDfa | null;
  /** Trie over the names' UTF-8 bytes: node -> byte -> child; node 0 is the root. */
  readonly #children: Map<number, number>[] = [new Map()];
  readonly #name: boolean[] = [false];
  /** The shortest key, quotes included, and whether it matches the DFA; null when the shortest
   * text of `inner` is a listed name (then closing on a free member is never the shortest way). */
  readonly shortest: { readonly text: Uint8Array; readonly matched: boolean } | null;
  /** Whether the key string's class tokens (mask.ts) keep every key viable: not when `inner` is a
   * pattern's that a name matches, as a key could then end on the name with no way on. */
  readonly classSafe: boolean;

  constructor(excluded: readonly string[], inner: GrammarNode, dfa: ByteDfa | null, classSafe: boolean) {
    this.inner = inner;
    this.dfa = dfa;
    this.classSafe = classSafe;
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
    const text: number[] = [];
    inner.writeShortest(text);
    const end = this.follow(this.initial(), text.slice(1, -1));
    this.shortest = this.isName(end.at) ? null : { text: Uint8Array.from(text), matched: this.matches(end.state) };
  }

  initial(): KeyPosition {
    return { at: 0, escaped: false, state: this.dfa?.start ?? -1 };
  }

  /** Pushes the frames after the key's opening quote `b`: `unmatched` reads what follows a key
   * the DFA doesn't match (or any key with no DFA), `matched` what follows one it does. */
  start(b: number, unmatched: Frame, matched: Frame | null, out: Frame[]): void {
    if (!this.followed) {
      this.inner.start(b, unmatched, out);
      return;
    }
    const inner: Frame[] = [];
    this.inner.start(b, unmatched, inner);
    for (const frame of inner) out.push(new FreeKeyFrame(this, frame, this.initial(), matched));
  }

  /** The position after raw key bytes `bytes` (no closing quote); at -1 for an escape it doesn't take. */
  follow(from: KeyPosition, bytes: Iterable<number>): KeyPosition {
    let { at, escaped, state } = from;
    for (const b of bytes) {
      if (!escaped && b === BACKSLASH) {
        escaped = true;
        continue;
      }
      const decoded = escaped ? UNESCAPED.get(b) : b;
      escaped = false;
      if (decoded === undefined) return { at: -2, escaped: false, state: -1 };
      at = at < 0 ? -1 : (this.#children[at]!.get(decoded) ?? -1);
      state = state < 0 ? -1 : this.dfa!.next(state, decoded);
    }
    return { at, escaped, state };
  }

  isName(at: number): boolean {
    return at >= 0 && this.#name[at]!;
  }

  matches(state: number): boolean {
    return state >= 0 && this.dfa!.accepting(state);
  }

  /** Whether any name is left to avoid, or a pattern to follow. */
  get followed(): boolean {
    return this.dfa !== null || this.#children[0]!.size > 0 || this.#name[0]!;
  }
}

/** The bytes that close the key the shortest way from `inner` at `position` without spelling a
 * listed name (a letter put first to leave it, if need be), and where they end; null when none
 * does (a pattern's key that can only end on a name). */
function closingOf(key: FreeKey, inner: Frame, position: KeyPosition): { closing: number[] | null; end: KeyPosition | null } {
  const closing: number[] = [];
  inner.writeOwnClosing(closing);
  const end = key.follow(position, closing.slice(0, -1));
  if (!key.isName(end.at)) return { closing, end };
  for (let letter = byte('a'); letter <= byte('z'); letter++) {
    const after: Frame[] = [];
    if (!position.escaped) inner.step(letter, after);
    const next = after[0];
    if (next === undefined || next === inner.next) continue;
    const rest: number[] = [];
    next.writeOwnClosing(rest);
    const diverted = key.follow(position, [letter, ...rest.slice(0, -1)]);
    if (!key.isName(diverted.at) && diverted.at !== -2) return { closing: [letter, ...rest], end: diverted };
  }
  return { closing: null, end: null };
}

/** Inside a free key at `position`; `inner` is the key string's own frame, whose `next` reads
 * what follows a key the DFA doesn't match. This frame's `next` is what its closing leads to. */
class FreeKeyFrame extends Frame {
  readonly key: FreeKey;
  readonly inner: Frame;
  readonly position: KeyPosition;
  readonly matched: Frame | null;
  /** The closing's bytes, null when it would spell a listed name; undefined until needed. */
  #closing: number[] | null | undefined;

  constructor(key: FreeKey, inner: Frame, position: KeyPosition, matched: Frame | null) {
    // Where the closing leads is only a question when a pattern picks the value's schema; else
    // the closing waits until a cost is asked for (the mask's walk makes many of these frames).
    const known = matched === null ? undefined : closingOf(key, inner, position);
    super(known?.end && key.matches(known.end.state) ? matched : inner.next);
    this.key = key;
    this.inner = inner;
    this.position = position;
    this.matched = matched;
    this.#closing = known?.closing;
  }

  get #closingBytes(): number[] | null {
    if (this.#closing === undefined) this.#closing = closingOf(this.key, this.inner, this.position).closing;
    return this.#closing;
  }

  step(b: number, out: Frame[]): void {
    const inner: Frame[] = [];
    this.inner.step(b, inner);
    const { key, matched } = this;
    for (const frame of inner) {
      if (frame === this.inner.next) {
        const { at, state } = this.position;
        if (!key.isName(at)) emit(out, matched !== null && key.matches(state) ? matched : frame);
        continue;
      }
      const position = key.follow(this.position, [b]);
      if (position.at === -2) continue;
      // Off every name and past matching: the rest is the key string's own.
      if (position.at < 0 && (position.state < 0 || matched === null)) out.push(frame);
      else out.push(new FreeKeyFrame(key, frame, position, matched));
    }
  }

  protected ownCost(): number {
    return this.#closingBytes?.length ?? Infinity;
  }

  writeOwnClosing(out: number[]): void {
    out.push(...(this.#closingBytes ?? []));
  }

  override tokenRun(): TokenRun | null {
    // The key string's class tokens keep a key viable, unless it is a pattern's and a name it
    // matches could end it: then walk. A walk from here is not the string's, so it isn't shared.
    if (!this.key.classSafe) return null;
    const run = this.inner.tokenRun();
    if (run === null) return null;
    if (run.kind === 'automaton') return { ...run, sameWalkAs: null };
    // With no pattern, a closing quote leads where the string's would, unless the text spells a name.
    const { key, position, inner, matched } = this;
    const closable = (text: Uint8Array): boolean => !key.isName(key.follow(position, text).at);
    const closing = matched === null && run.closing !== null ? { ...run.closing, closable } : null;
    // A class token adds at most the 3 bytes a split character owes and 1 to leave a name, to
    // the string's own closing and the dearer of the values a pattern may pick.
    const after = inner.next?.cost ?? 0;
    const classesFitWithin = inner.cost - after + Math.max(after, matched?.cost ?? 0) + 4;
    return { ...run, sameWalkAs: null, closing, classesFitWithin };
  }
}

