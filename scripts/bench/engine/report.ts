// The engine bench's results: one record per run, printed as tables with ratios (this engine
// over each peer) and written as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { HeapUsage } from '../worker-heap.ts';
import { decodeRate, prefillRate, type RunFigures } from './runner.ts';

export const ENGINES = ['engine', 'transformers.js', 'onnxruntime-node'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface Measurement {
  engine: EngineName;
  /** wasm or webgpu in Chromium; cpu for onnxruntime-node. */
  ep: string;
  model: string;
  /** e.g. "prefill 4096", "decode @2048", "chat turn 3". */
  run: string;
  figures?: RunFigures;
  error?: string;
  /** The machine's 1-minute load average when the run started (the cores are shared). */
  loadAverage: number;
  /** Every try, when the step was run more than once (figures is the fastest). */
  tries?: RunFigures[];
}

export interface MemoryRecord {
  engine: EngineName;
  ep: string;
  model: string;
  page: string;
  loadMs: number;
  /** Peaks of the worker's heap while loading and while running. */
  load: HeapUsage;
  runs: HeapUsage;
}

export interface BenchResult {
  date: string;
  conditions: Record<string, unknown>;
  measurements: Measurement[];
  memory: MemoryRecord[];
}

const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : 'n/a');
const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The figure a row shows for one run: tok/s for prefill and decode, ms to the first token for chat turns. */
function figure(m: Measurement | undefined): number {
  if (!m?.figures) return NaN;
  if (m.run.startsWith('chat')) return m.figures.firstTokenMs;
  return m.run.startsWith('decode') ? decodeRate(m.figures) : prefillRate(m.figures);
}

function cell(m: Measurement | undefined): string {
  if (!m) return '';
  if (m.error) return 'failed';
  return fixed(figure(m), m.run.startsWith('chat') ? 0 : 2);
}

/** The table of every (model, ep, run) with a column per engine and this engine's ratios. */
export function formatTable(result: BenchResult): string {
  const rows = new Map<string, Measurement[]>();
  for (const m of result.measurements) {
    const key = `${m.model} ${m.ep === 'cpu' ? 'wasm' : m.ep}, ${m.run}`;
    rows.set(key, [...(rows.get(key) ?? []), m]);
  }
  const header = ['run (model, EP; node: CPU)', 'unit', ...ENGINES, 'engine/tjs', 'engine/node'];
  const lines = [header];
  for (const [key, runs] of rows) {
    const of = (engine: EngineName) => runs.find((m) => m.engine === engine);
    const unit = key.includes('chat') ? 'ms TTFT' : 'tok/s';
    // For times a smaller figure is better: the ratio is still engine over peer, read accordingly.
    const ratio = (peer: EngineName) => fixed(figure(of('engine')) / figure(of(peer)), 2);
    lines.push([key, unit, ...ENGINES.map((e) => cell(of(e))), ratio('transformers.js'), ratio('onnxruntime-node')]);
  }
  lines.push(...turnRatios(rows));
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const text = lines.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
  const errors = result.measurements.filter((m) => m.error).map((m) => `  ${m.engine} ${m.model} ${m.ep} ${m.run}: ${m.error}`);
  return errors.length > 0 ? `${text}\nfailed runs:\n${errors.join('\n')}` : text;
}

/** Each engine's time to first token of the last chat turn over the first's (the history is not read again). */
function turnRatios(rows: Map<string, Measurement[]>): string[][] {
  const lines: string[][] = [];
  for (const [key, first] of rows) {
    if (!key.endsWith('chat turn 1')) continue;
    const turns = [...rows.keys()].filter((k) => k.startsWith(key.slice(0, -1)));
    const last = rows.get(turns.at(-1)!)!;
    const ratio = (engine: EngineName) => fixed(figure(last.find((m) => m.engine === engine)) / figure(first.find((m) => m.engine === engine)), 2);
    lines.push([`${key.slice(0, -' 1'.length)} ${turns.length} / turn 1`, 'ratio', ...ENGINES.map(ratio), '', '']);
  }
  return lines;
}

export function formatMemory(result: BenchResult): string {
  const lines = result.memory.map(
    (r) =>
      `  ${`${r.engine} ${r.model} ${r.ep} (${r.page})`.padEnd(52)} ${fixed(r.loadMs / 1000, 1).padStart(5)} s  ` +
      `${mib(r.load.heapUsed).padStart(8)} ${mib(r.runs.heapUsed).padStart(8)}  ${mib(r.load.backingStore).padStart(9)} ${mib(r.runs.backingStore).padStart(9)}`,
  );
  const header = `  ${'page'.padEnd(52)} ${'load'.padStart(7)}  ${'JS heap, load / runs'.padStart(17)}  ${'ArrayBuffers, load / runs'.padStart(19)}`;
  // V8's count of ArrayBuffer backing stores: the model bytes while loading, logits copied out of
  // onnxruntime, ...; DevTools does not give onnxruntime's wasm memory apart.
  return `peak memory of each engine's worker (DevTools Runtime.getHeapUsage, every 100 ms):\n${header}\n${lines.join('\n')}`;
}

export function writeResult(result: BenchResult, path: string): void {
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
