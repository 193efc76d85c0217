// The next-token mask: a bitset over the vocabulary of the tokens whose bytes keep the output a
// valid prefix of the grammar, and leave the document finishable within the tokens left. Each
// stack of the state walks a trie depth first, stepping the automaton one byte per trie node;
// inside strings, the classes of plain-text tokens that just continue the text are added whole
// and the walk only covers the trie of the tokens that are not plain.
import { completes, type Frame } from './frame.ts';
import type { MatchState } from './matcher.ts';
import type { TokenIndex } from './token-index.ts';
import type { TokenTrie } from './token-trie.ts';

export class MaskComputer {
  readonly #index: TokenIndex;
  readonly mask: Uint32Array;
  /** One scratch list of frames per trie depth, reused by every walk. */
  readonly #levels: Frame[][] = [];
  /** Document tokens that may still come, this one included. */
  #left = 0;

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
    if (run.kind === 'table') {
      index.tableRuns(run.table)[run.state]!.forEach((tokens, end) => {
        const after = run.after(end);
        if (tokens !== null && after.cost <= budget) tokens.addSizes(this.mask, 0, after.room);
      });
    } else {
      const tokens = run.kind === 'plain' ? index.plain : run.kind === 'escape' ? index.escapeTail : null;
      // A class token of n characters takes lead + min(n, filler) bytes off the closing.
      const excess = frame.cost - run.lead - budget;
      if (tokens !== null && excess <= run.filler) tokens.addSizes(this.mask, Math.max(0, excess), run.room);
    }
    // The class tokens are all plain; what else may come (closing quotes, say) is not.
    this.#walk(index.nonPlain, 0, [frame], 0);
  }

  #walk(trie: TokenTrie, node: number, tops: readonly Frame[], depth: number): void {
    const out = (this.#levels[depth] ??= []);
    const { firstChild, nextSibling, byte, tokenHead, tokenNext } = trie;
    for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) {
      out.length = 0;
      const b = byte[child]!;
      for (let i = 0; i < tops.length; i++) tops[i]!.step(b, out);
      if (out.length === 0) continue;
      let token = tokenHead[child]!;
      if (token !== -1 && this.#affordable(out)) {
        for (; token !== -1; token = tokenNext[token]!) this.mask[token >>> 5]! |= 1 << (token & 31);
      }
      if (firstChild[child] !== -1) this.#walk(trie, child, out, depth + 1);
    }
  }

  #affordable(state: readonly Frame[]): boolean {
    const budget = this.#left - 1;
    for (const frame of state) if (frame.cost <= budget || completes(frame)) return true;
    return false;
  }
}
