// Collects measured figures in a test file and prints them once, for closing notes and CI logs.
import { afterAll } from 'vitest';

export function figureTable(title: string): (label: string, value: number) => void {
  const rows: [string, number][] = [];
  afterAll(() => {
    console.log(`${title}\n${rows.map(([l, v]) => `  ${l.padEnd(48)} ${v.toExponential(2)}`).join('\n')}`);
  });
  return (label, value) => rows.push([label, value]);
}
