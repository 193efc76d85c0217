// The GPU bench's table: one row per (model, context) with each contender's prefill and decode
// tok/s, this engine's ratio to transformers.js, and the weight bandwidth decode implies.
import type { BenchResult, Measurement } from '../engine/report.ts';
import { decodeRate, prefillRate } from '../engine/runner.ts';

export interface ModelRow {
  /** The contenders' model label, e.g. "0.5B q4f16". */
  model: string;
  context: number;
  weightBytesPerToken: number;
}

export interface GpuRow extends ModelRow {
  prefill: { engine: number; transformers: number; ratio: number };
  decode: { engine: number; transformers: number; ratio: number };
  /** Weight bytes per token × decode tok/s, in GB/s (10^9 bytes). */
  decodeGBps: { engine: number; transformers: number };
}

export const runName = (context: number): string => `@${context}`;

export function gpuRows(result: BenchResult, models: ModelRow[]): GpuRow[] {
  return models.map((m) => {
    const figures = (engine: Measurement['engine']) => result.measurements.find((r) => r.engine === engine && r.model === m.model && r.run === runName(m.context))?.figures;
    const rates = (rate: typeof decodeRate) => {
      const [engine, transformers] = [figures('engine'), figures('transformers.js')].map((f) => (f ? rate(f) : NaN)) as [number, number];
      return { engine, transformers, ratio: engine / transformers };
    };
    const decode = rates(decodeRate);
    const gbps = (tokensPerSecond: number): number => (m.weightBytesPerToken * tokensPerSecond) / 1e9;
    return { ...m, prefill: rates(prefillRate), decode, decodeGBps: { engine: gbps(decode.engine), transformers: gbps(decode.transformers) } };
  });
}

const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function formatGpuTable(rows: GpuRow[], result: BenchResult): string {
  const header = ['model', 'context', 'weights/token', 'prefill tok/s: engine', 'tjs', 'engine/tjs', 'decode tok/s: engine', 'tjs', 'engine/tjs', 'decode GB/s: engine', 'tjs'];
  const lines = [
    header,
    ...rows.map((r) => [
      r.model,
      String(r.context),
      `${(r.weightBytesPerToken / 2 ** 20).toFixed(1)} MiB`,
      fixed(r.prefill.engine),
      fixed(r.prefill.transformers),
      fixed(r.prefill.ratio),
      fixed(r.decode.engine),
      fixed(r.decode.transformers),
      fixed(r.decode.ratio),
      fixed(r.decodeGBps.engine, 3),
      fixed(r.decodeGBps.transformers, 3),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const text = lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
  const errors = result.measurements.filter((m) => m.error).map((m) => `  ${m.engine} ${m.model} ${m.run}: ${m.error}`);
  return errors.length > 0 ? `${text}\nfailed runs:\n${errors.join('\n')}` : text;
}
