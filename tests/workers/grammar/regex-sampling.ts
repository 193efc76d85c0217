// Random strings for the regex and format tests: uniform over an alphabet, and random walks
// through a byte DFA that end in acceptance (what the DFA claims to accept, for an oracle to check).
import type { ByteDfa } from '../../../workers/grammar/byte-dfa.ts';
import { completionTable, writeContentByte } from '../../../workers/grammar/completion-table.ts';
import type { Random } from '../../../workers/generation/random.ts';

export function randomText(random: Random, alphabet: readonly string[], maxLength: number): string {
  let text = '';
  const length = Math.floor(random.next() * (maxLength + 1));
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random.next() * alphabet.length)];
  return text;
}

/** A string the DFA accepts: random bytes (ASCII preferred) for up to `steps` bytes, stopping at
 * random in accepting states, then the shortest way to acceptance. */
export function sampleAccepted(dfa: ByteDfa, random: Random, steps = 40): string {
  const content: number[] = [];
  let state = dfa.start;
  for (let i = 0; i < steps; i++) {
    const ways = [...Array(256).keys()].filter((b) => dfa.next(state, b) >= 0);
    if (ways.length === 0 || (dfa.accepting(state) && random.next() < 0.15)) break;
    const ascii = ways.filter((b) => b < 0x80);
    const pool = ascii.length > 0 && random.next() < 0.8 ? ascii : ways;
    const b = pool[Math.floor(random.next() * pool.length)]!;
    writeContentByte(content, b);
    state = dfa.next(state, b);
  }
  // As JSON string content, the completion table's way of writing the rest.
  completionTable(dfa, 0, Infinity).write(state, 0, content);
  return JSON.parse(`"${new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(content))}"`) as string;
}
