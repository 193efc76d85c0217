// Which part of a cached token sequence a new prompt can reuse: the longest common prefix,
// token for token, always leaving at least one prompt token to run (its logits start decoding).
export function reusablePrefix(cached: readonly number[], prompt: readonly number[]): number {
  const limit = Math.min(cached.length, prompt.length - 1);
  let n = 0;
  while (n < limit && cached[n] === prompt[n]) n++;
  return n;
}
