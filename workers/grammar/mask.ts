// The next-token mask: a bitset over the vocabulary of the tokens whose bytes keep the output a
// valid prefix of the grammar, and leave the document finishable within the tokens left. Each
// stack of the state walks a trie depth first, stepping the automaton one byte per trie node;
// inside strings, the classes of plain-text tokens that just continue the text (whole or ending
// mid-character) are added whole, the tokens that close the string after plain text are walked
// from the quote on, and the walk covers the rest; and while a string goes on (without a
// maxLength), that walk comes out the same each step, so it is kept and reused.
import type { ByteDfa } from './byte-dfa.ts';
import { type AutomatonRun, completes, type Frame, type StringClosing } from './frame.ts';
import type { MatchState } from './matcher.ts';
import type { TokenClass } from './token-class.ts';
import type { TokenIndex } from './token-index.ts';
import type { TokenTrie } from './token-trie.ts';

/** A walk's outcome kept for reuse: the tokens it allowed, all it found valid, and the largest
 * closing cost they left (so it holds again while that still fits the budget). */
interface WalkMemo {
  readonly tokens: Int32Array;
  readonly cost: number;
}

export class MaskComputer {
  readonly #index: TokenIndex;
  readonly mask: Uint32Array;
  /** One scratch list of frames per trie depth, reused by every walk. */
  readonly #levels: Frame[][] = [];
  /** Document tokens that may still come, this one included. */
  #left = 0;
  /** The walks from strings without limits followed by the same frame, by DFA and state (null
   * and -1 for a plain string): each step inside one in that state would walk the same. */
  #memoKey: Frame | null = null;
  readonly #memos = new Map<ByteDfa | null, Map<number, WalkMemo>>();
  /** While a walk is recorded: the tokens it allows, the largest cost they leave, and whether
   * the budget turned a valid one down. */
  #recorded: number[] | null = null;
  #recordedCost = 0;
  #turnedDown = false;
  /** While closers are walked: what their text before the quote must be, in characters too. */
  #closing: { readonly closing: StringClosing; readonly room: number } | null = null;

  constructor(index: TokenIndex) {
    this.#index = index;
    this.mask = new Uint32Array((index.vocabulary.size + 31) >>> 5);
  }

  /** The allowed tokens (in `this.mask`) after the bytes that led to `state`, when `left`
   * tokens may still come: each must leave the shortest closing within the `left - 1` after it. */
  compute(state: MatchState, left: number): Uint32Array {
    this.mask.fill(0);
    this.#left = left;
    if (left <= 0) return this.mask;
    for (const frame of state) this.#addFrame(frame);
    return this.mask;
  }

  #addFrame(frame: Frame): void {
    const index = this.#index;
    const run = frame.tokenRun();
    if (run === null) {
      this.#walk(index.all, 0, [frame], 0);
      return;
    }
    const budget = this.#left - 1;
    if (run.kind === 'automaton') {
      for (const [end, tokens] of index.automatonRuns(run.dfa, run.state)) this.#addFitting(tokens, run, end, budget);
      // The classes hold every token without a quote or backslash.
      this.#walkOnce(index.quoting, frame, run.sameWalkAs, run.dfa, run.state, budget);
      return;
    }
    if (run.classesFitWithin !== null && run.classesFitWithin > budget) {
      this.#walk(index.all, 0, [frame], 0);
      return;
    }
    const tokens = run.kind === 'plain' ? index.plain : run.kind === 'escape' ? index.escapeTail : null;
    // A class token of n characters takes lead + min(n, filler) bytes off the closing.
    const excess = frame.cost - run.lead - budget;
    if (tokens !== null && excess <= run.filler) tokens.addSizes(this.mask, Math.max(0, excess), run.room);
    // The class tokens are all plain; what else may come (closing quotes, say) is not.
    if (run.kind !== 'plain') {
      this.#walkOnce(index.nonPlain, frame, run.sameWalkAs, null, -1, budget);
      return;
    }
    // Plain text ending mid-character adds the bytes it owes to the closing.
    index.partial.forEach((partial, i) => {
      const short = excess + i + 1;
      if (short <= run.filler) partial.addSizes(this.mask, Math.max(0, short), run.room);
    });
    if (run.closing === null) {
      this.#walkOnce(index.afterPlain, frame, run.sameWalkAs, null, -1, budget);
      return;
    }
    // Tokens that close the string after plain text only need their part after the quote walked.
    this.#walkOnce(index.afterPlainRest, frame, run.sameWalkAs, null, -1, budget);
    this.#addClosers(run.closing, run.room);
  }

  /** The closers (text, quote, rest) whose text `closing` lets close within `room` characters
   * and whose rest its frame takes: a walk over the rests alone. */
  #addClosers(closing: StringClosing, room: number): void {
    const { closers } = this.#index;
    this.#closing = { closing, room };
    if (closers.tokenHead[0] !== -1) this.#allow(closers.tokenHead[0]!, closers.tokenNext, closingNeed([closing.to]));
    this.#walk(closers, 0, [closing.to], 0);
    this.#closing = null;
  }

  /** Whether closer `token`'s text before the quote may close the string being walked. */
  #closes(token: number): boolean {
    const { closing, room } = this.#closing!;
    const chars = this.#index.closerChars[token]!;
    if (chars < closing.short || chars > room) return false;
    if (closing.closable === null) return true;
    const bytes = this.#index.vocabulary.tokenBytes[token]!;
    return closing.closable(bytes.subarray(0, bytes.indexOf(0x22)));
  }

  /** Walks `trie` from `frame`, or reuses the walk keyed on (`key`, `dfa`, `state`) when the frame
   * says it would come out the same (`key` not null) and it still fits the budget. */
  #walkOnce(trie: TokenTrie, frame: Frame, key: Frame | null, dfa: ByteDfa | null, state: number, budget: number): void {
    if (key === null) {
      this.#walk(trie, 0, [frame], 0);
      return;
    }
    if (this.#memoKey !== key) {
      this.#memoKey = key;
      this.#memos.clear();
    }
    let memos = this.#memos.get(dfa);
    if (memos === undefined) this.#memos.set(dfa, (memos = new Map()));
    const memo = memos.get(state);
    if (memo !== undefined && memo.cost <= budget) {
      for (const token of memo.tokens) this.mask[token >>> 5]! |= 1 << (token & 31);
      return;
    }
    this.#recorded = [];
    this.#recordedCost = 0;
    this.#turnedDown = false;
    this.#walk(trie, 0, [frame], 0);
    if (!this.#turnedDown) memos.set(state, { tokens: Int32Array.from(this.#recorded), cost: this.#recordedCost });
    this.#recorded = null;
  }

  /** Adds the class's tokens (sized in code points) whose closing fits the budget. */
  #addFitting(tokens: TokenClass, run: AutomatonRun, end: number, budget: number): void {
    if (run.uniform) {
      if (run.cost(end, 0) <= budget) tokens.addSizes(this.mask, 0, tokens.maxSize);
      return;
    }
    let from = -1;
    for (let chars = 0; chars <= tokens.maxSize; chars++) {
      const fits = run.cost(end, chars) <= budget;
      if (fits && from < 0) from = chars;
      if (!fits && from >= 0) {
        tokens.addSizes(this.mask, from, chars - 1);
        from = -1;
      }
    }
    if (from >= 0) tokens.addSizes(this.mask, from, tokens.maxSize);
  }

  #walk(trie: TokenTrie, node: number, tops: readonly Frame[], depth: number): void {
    const out = (this.#levels[depth] ??= []);
    const { firstChild, nextSibling, byte, tokenHead, tokenNext } = trie;
    for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) {
      if (out.length !== 0) out.length = 0; // the setter is slow, and most steps leave it empty
      const b = byte[child]!;
      for (let i = 0; i < tops.length; i++) tops[i]!.step(b, out);
      if (out.length === 0) continue;
      if (tokenHead[child] !== -1) this.#allow(tokenHead[child]!, tokenNext, closingNeed(out));
      if (firstChild[child] !== -1) this.#walk(trie, child, out, depth + 1);
    }
  }

  /** Allows the tokens spelled by one trie node, when the closing they leave fits. */
  #allow(first: number, tokenNext: Int32Array, need: number): void {
    const recorded = this.#recorded;
    if (recorded !== null) this.#recordedCost = Math.max(this.#recordedCost, need);
    if (need > this.#left - 1) {
      this.#turnedDown = true;
      return;
    }
    const closers = this.#closing !== null;
    for (let token = first; token !== -1; token = tokenNext[token]!) {
      if (closers && !this.#closes(token)) continue;
      this.mask[token >>> 5]! |= 1 << (token & 31);
      recorded?.push(token);
    }
  }
}

/** Bytes the shortest closing takes from any of these stacks: 0 when one is complete. */
function closingNeed(state: readonly Frame[]): number {
  let need = Infinity;
  for (const frame of state) need = Math.min(need, completes(frame) ? 0 : frame.cost);
  return need;
}
