// The automaton's state as a whole: a list of frame stacks (their tops), one per branch still
// alive, and the operations the mask and the constraint need on it.
import { closing, completes, DONE, type Frame, type GrammarNode, ValueFrame } from './frame.ts';

export type MatchState = readonly Frame[];

export function initialState(root: GrammarNode): MatchState {
  return [new ValueFrame(root, DONE)];
}

/** The state after byte `b`: empty when `b` can't come next. */
function advance(state: MatchState, b: number): MatchState {
  const out: Frame[] = [];
  for (const frame of state) frame.step(b, out);
  return out;
}

export function advanceBytes(state: MatchState, bytes: Iterable<number>): MatchState {
  let at = state;
  for (const b of bytes) {
    if (at.length === 0) break;
    at = advance(at, b);
  }
  return at;
}

/** True when the bytes so far are a whole document. */
export function isComplete(state: MatchState): boolean {
  return state.some(completes);
}

/** Bytes of the shortest way to finish the document (Infinity for a dead state). */
export function closingCost(state: MatchState): number {
  let cost = Infinity;
  for (const frame of state) cost = Math.min(cost, frame.cost);
  return cost;
}

/** Those bytes. */
export function closingBytes(state: MatchState): number[] {
  const best = state.reduce<Frame | null>((best, frame) => (best === null || frame.cost < best.cost ? frame : best), null);
  return best === null ? [] : closing(best);
}

/** Whether `bytes` are a whole document of `root`. */
export function accepts(root: GrammarNode, bytes: Iterable<number>): boolean {
  return isComplete(advanceBytes(initialState(root), bytes));
}
