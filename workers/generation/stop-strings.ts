// Applies a request's `stop` strings to the streamed text: passes on text that cannot begin a
// stop string, holds back a tail that might, and on a completed stop string releases only the
// text before it. Fed the TextStreamer's deltas; the engine ends the turn when it reports stopped.

export interface StopStringResult {
  /** Text safe to show now (never part of a stop string). */
  text: string;
  /** A stop string completed: the turn is over and later pushes yield nothing. */
  stopped: boolean;
}

export class StopStringFilter {
  readonly #stops: readonly string[];
  #held = '';
  #stopped = false;

  /** Empty strings are ignored (they would match everywhere). */
  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop.length > 0);
  }

  push(delta: string): StopStringResult {
    if (this.#stopped) return { text: '', stopped: true };
    const buffer = this.#held + delta;
    const stopAt = this.#earliestStop(buffer);
    if (stopAt >= 0) {
      this.#stopped = true;
      this.#held = '';
      return { text: buffer.slice(0, stopAt), stopped: true };
    }
    const keep = buffer.length - this.#longestStopPrefixAtEnd(buffer);
    this.#held = buffer.slice(keep);
    return { text: buffer.slice(0, keep), stopped: false };
  }

  /** At the end of the stream the held tail is plain text after all. */
  flush(): string {
    const held = this.#held;
    this.#held = '';
    return held;
  }

  // Where the first complete stop string starts; when several complete in one delta, the one
  // starting earliest wins so no released text ever contains a stop string.
  #earliestStop(buffer: string): number {
    let earliest = -1;
    for (const stop of this.#stops) {
      const at = buffer.indexOf(stop);
      if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
    }
    return earliest;
  }

  #longestStopPrefixAtEnd(buffer: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
