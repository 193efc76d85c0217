// The context bench's rows (context × contender: decode tok/s, its ratio to the contender's own
// figure at the smallest context, the KV tensors the engine made per step) as a table, and the
// headline: this engine's decode on the GroupQueryAttention graph at the largest context over the smallest.
import type { Variant } from '../../forge/graph-common.ts';
import { runName } from '../engine/interleave.ts';
import type { BenchResult, EngineName } from '../engine/report.ts';
import { decodeRate } from '../engine/runner.ts';

export const GRAPH_LABELS: Record<Variant, string> = { gqa: 'GQA graph', optimum: 'Optimum graph' };

export interface ContextContender {
  engine: EngineName;
  graph: Variant;
}

export interface ContextRow extends ContextContender {
  context: number;
  /** null when the run failed. */
  decodeTokensPerSecond: number | null;
  /** Over the same contender's decode tok/s at the smallest context. */
  ratioToSmallest: number | null;
  /** KV tensors the engine made per forward pass of the decode run (its stats' kvTensorsMade); null for onnxruntime-node. */
  kvTensorsPerStep: number | null;
  /** The engine's load report: the KV cache written in place (else it grows by a copy each step); null for onnxruntime-node. */
  kvInPlace: boolean | null;
  /** The 1-minute load average when the decode run started. */
  loadAverage: number | null;
  error?: string;
}

/** What the engine's runs reported beside their figures, by graph. */
export interface EngineKv {
  inPlace: Map<Variant, boolean>;
  /** Keyed by kvKey(graph, context). */
  perStep: Map<string, number>;
}

export const decodeRun = (context: number): string => `decode @${context}`;
export const kvKey = (graph: Variant, context: number): string => `${graph} @${context}`;
/** 16384 → 16K, 256 → 256. */
const tokensLabel = (n: number): string => (n >= 1024 && n % 1024 === 0 ? `${n / 1024}K` : String(n));

export function contextRows(result: BenchResult, contenders: ContextContender[], contexts: number[], kv: EngineKv): ContextRow[] {
  const rows: ContextRow[] = [];
  for (const context of contexts) {
    for (const c of contenders) {
      const run = runName({ variant: GRAPH_LABELS[c.graph] }, { run: decodeRun(context) });
      const m = result.measurements.find((m) => m.engine === c.engine && m.run === run);
      const rate = m?.figures ? decodeRate(m.figures) : NaN;
      const value = Number.isFinite(rate) ? rate : null;
      const base = context === contexts[0] ? value : (rows.find((r) => r.engine === c.engine && r.graph === c.graph && r.context === contexts[0])?.decodeTokensPerSecond ?? null);
      const isEngine = c.engine === 'engine';
      rows.push({
        ...c,
        context,
        decodeTokensPerSecond: value,
        ratioToSmallest: value !== null && base !== null && base > 0 ? value / base : null,
        kvTensorsPerStep: isEngine ? (kv.perStep.get(kvKey(c.graph, context)) ?? null) : null,
        kvInPlace: isEngine ? (kv.inPlace.get(c.graph) ?? null) : null,
        loadAverage: m?.loadAverage ?? null,
        ...(m?.error ? { error: m.error } : m ? {} : { error: 'not run' }),
      });
    }
  }
  return rows;
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

export function formatContextTable(rows: ContextRow[], contexts: number[]): string {
  const header = ['context', 'contender (WASM; node: CPU)', 'decode tok/s', `/ @${tokensLabel(contexts[0]!)}`, 'KV tensors/step', 'load'];
  const lines = [header];
  for (const r of rows) {
    const cache = r.kvInPlace === null ? '' : r.kvInPlace ? ', KV in place' : ', growing KV';
    lines.push([
      tokensLabel(r.context),
      `${r.engine}, ${GRAPH_LABELS[r.graph]}${cache}`,
      r.error ? 'failed' : fixed(r.decodeTokensPerSecond, 2),
      fixed(r.ratioToSmallest, 2),
      r.engine === 'engine' ? fixed(r.kvTensorsPerStep, 1) : '-',
      fixed(r.loadAverage, 2),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const text = lines.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
  const errors = rows.filter((r) => r.error).map((r) => `  ${r.engine} ${GRAPH_LABELS[r.graph]} @${r.context}: ${r.error}`);
  return errors.length > 0 ? `${text}\nfailed runs:\n${errors.join('\n')}` : text;
}

/** This engine on the GQA graph: decode tok/s at the largest context over the smallest. */
export function headline(rows: ContextRow[], contexts: number[]): { from: number; to: number; ratio: number | null; line: string } {
  const [from, to] = [contexts[0]!, contexts.at(-1)!];
  const ratio = rows.find((r) => r.engine === 'engine' && r.graph === 'gqa' && r.context === to)?.ratioToSmallest ?? null;
  return { from, to, ratio, line: `decode ${tokensLabel(to)}/${tokensLabel(from)} = ${fixed(ratio, 2)}` };
}
