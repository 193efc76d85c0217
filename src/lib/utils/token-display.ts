// How a single token reads in the diff's details: whitespace made visible (a token is often
// just a space or a newline), and probabilities that stay readable when tiny.

export function visibleToken(text: string): string {
  if (text === '') return '∅';
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

export function formatProbability(p: number): string {
  if (p >= 0.001) return `${(100 * p).toFixed(1)}%`;
  return p === 0 ? '0' : p.toExponential(1);
}
