// The matcher's building blocks. A state of the byte-level pushdown automaton is a list of
// frame stacks, each stack given by its top frame: a frame is one position inside one JSON
// value, and `next` is what follows once that value is done (the parent container's next
// position, down to DONE). Frames are immutable, so the mask's walk over the token trie shares
// them between tokens with a common prefix and backtracks for free.
import type { ByteDfa } from './byte-dfa.ts';

/** Some grammar node: a JSON value shape compiled from the schema. */
export interface GrammarNode {
  /** Bytes of this node's shortest value; Infinity while unknown or when it has none. */
  shortest: number;
  /** Recomputes `shortest` from the children's; true when it went down. */
  measure(): boolean;
  /** Once every `shortest` is final: drops the parts that can never finish, and builds tables. */
  prune(): void;
  /** Appends the canonical shortest value (of `shortest` bytes). */
  writeShortest(out: number[]): void;
  /** Pushes the frames a value of this node is in after its first byte `b` (none if it can't start so). */
  start(b: number, next: Frame, out: Frame[]): void;
}

/** How a frame goes on through whole classes of tokens, which the mask adds without a walk:
 * inside a string, plain text (at a character boundary), an escape letter then plain text (after
 * a backslash), or nothing (mid-character); the costs are what a class token of n characters
 * leaves: cost - lead - min(n, filler), within `room` characters. */
export interface StringRun {
  readonly kind: 'plain' | 'escape' | 'continuation';
  readonly lead: number;
  readonly filler: number;
  readonly room: number;
  /** When the walk over the other tokens depends on nothing but this frame (what follows the
   * string), the frame to key a reuse of that walk on; else null. */
  readonly sameWalkAs: Frame | null;
  /** In plain text, what a closing quote after more plain text does; null inside an escape or
   * a character, or when the text decides more than that (a pattern's key). */
  readonly closing: StringClosing | null;
  /** When the costs above don't tell a class token's closing exactly (a free key's closing may
   * go around a listed name): the budget within which every class token's closing fits; below
   * it, every token is walked. Else null. */
  readonly classesFitWithin: number | null;
}

/** A closing quote after plain text leads to `to` when at least `short` characters came before
 * it (a negative `short` when any number may) and `closable` takes the text (null: any text). */
export interface StringClosing {
  readonly to: Frame;
  readonly short: number;
  readonly closable: ((text: Uint8Array) => boolean) | null;
}

/** Inside a string whose content a byte DFA constrains: the plain tokens that take the DFA from
 * `state` to each end state are added whole, when the closing they leave fits. */
export interface AutomatonRun {
  readonly kind: 'automaton';
  readonly dfa: ByteDfa;
  readonly state: number;
  /** Bytes of the shortest closing of the document after a token of `chars` code points that
   * ends in DFA state `end` (Infinity: it cannot finish). */
  cost(end: number, chars: number): number;
  /** True when that cost does not depend on `chars`. */
  readonly uniform: boolean;
  /** As StringRun's: the frame to key a reuse of the walk over the other tokens on (with `state`). */
  readonly sameWalkAs: Frame | null;
}

export type TokenRun = StringRun | AutomatonRun;

export abstract class Frame {
  readonly next: Frame | null;
  /** `cost` once worked out, else -1. */
  #cost = -1;

  constructor(next: Frame | null) {
    this.next = next;
  }

  /** Pushes the frames that follow byte `b` (none when `b` can't come next). */
  abstract step(b: number, out: Frame[]): void;

  /** Bytes of the shortest way to finish this frame's own value. */
  protected abstract ownCost(): number;

  /** Appends those bytes. */
  abstract writeOwnClosing(out: number[]): void;

  /** True when the value may end here yet could go on (numbers): then `next` reads the next byte. */
  canEnd(): boolean {
    return false;
  }

  /** The frame's token classes, when it has any. */
  tokenRun(): TokenRun | null {
    return null;
  }

  /** Bytes of the shortest way to finish the whole document from here. */
  get cost(): number {
    if (this.#cost < 0) this.#cost = this.ownCost() + (this.next?.cost ?? 0);
    return this.#cost;
  }
}

class DoneFrame extends Frame {
  constructor() {
    super(null);
  }

  step(): void {}

  protected ownCost(): number {
    return 0;
  }

  writeOwnClosing(): void {}

  override canEnd(): boolean {
    return true;
  }
}

/** After the document's last byte: nothing more may come. */
export const DONE: Frame = new DoneFrame();

/** Before a value of `node`: object keys' values and array items start here. */
export class ValueFrame extends Frame {
  readonly node: GrammarNode;

  constructor(node: GrammarNode, next: Frame) {
    super(next);
    this.node = node;
  }

  step(b: number, out: Frame[]): void {
    this.node.start(b, this.next!, out);
  }

  protected ownCost(): number {
    return this.node.shortest;
  }

  writeOwnClosing(out: number[]): void {
    this.node.writeShortest(out);
  }
}

/** Adds `frame` to `out` unless there already (union branches that rejoin). */
export function emit(out: Frame[], frame: Frame): void {
  if (!out.includes(frame)) out.push(frame);
}

/** True when the document may end after the bytes that led to `frame`. */
export function completes(frame: Frame): boolean {
  for (let at: Frame | null = frame; at !== null; at = at.next) {
    if (at === DONE) return true;
    if (!at.canEnd()) return false;
  }
  return false;
}

/** The bytes of the shortest way to finish the document from `frame`. */
export function closing(frame: Frame): number[] {
  const out: number[] = [];
  for (let at: Frame | null = frame; at !== null; at = at.next) at.writeOwnClosing(out);
  return out;
}

/** What a document writes after `,` and after `:`: nothing (compact: what generation writes, so
 * no token is spent on whitespace) or, say, Python json.dumps's `, ` and `: ` (to check text
 * written that way). */
export interface Separators {
  readonly item: Uint8Array;
  readonly key: Uint8Array;
}

export const COMPACT: Separators = { item: new Uint8Array(0), key: new Uint8Array(0) };

export const byte = (char: string): number => char.charCodeAt(0);

/** ASCII text as bytes, appended to `out`. */
export function writeAscii(out: number[], text: string): void {
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
}
