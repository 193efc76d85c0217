// The fewest tokens that spell a given text (shortest path over the token trie): how the
// constraint counts the tokens of the smallest document, and the fallback it steers along
// when max_tokens leaves no slack (then a one-byte-per-token closing would not fit).
import type { TokenTrie } from './token-trie.ts';

/** Token ids that spell `bytes` exactly, as few as possible; null when none do. */
export function fewestTokens(trie: TokenTrie, bytes: readonly number[]): number[] | null {
  const length = bytes.length;
  // count[i]: fewest tokens for bytes[i..]; step[i]: the first of them and where it ends.
  const count = new Array<number>(length + 1).fill(Infinity);
  const token = new Array<number>(length).fill(-1);
  const end = new Array<number>(length).fill(-1);
  count[length] = 0;
  for (let from = length - 1; from >= 0; from--) {
    let node = 0;
    for (let at = from; at < length; at++) {
      node = trie.child(node, bytes[at]!);
      if (node === -1) break;
      const id = trie.tokenHead[node]!;
      if (id !== -1 && count[at + 1]! + 1 < count[from]!) {
        count[from] = count[at + 1]! + 1;
        token[from] = id;
        end[from] = at + 1;
      }
    }
  }
  if (count[0] === Infinity) return null;
  const plan: number[] = [];
  for (let at = 0; at < length; at = end[at]!) plan.push(token[at]!);
  return plan;
}
