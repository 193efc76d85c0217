// The schema bench's figures per engine: counts by category and in total (MaskBench's columns),
// compile (TTFM) and mask (TBM) time percentiles, as tables for the terminal and as JSON.
import { categoryRank } from './dataset.ts';
import type { EngineName } from './engine.ts';
import type { SchemaResult } from './run-schema.ts';

export interface Counts {
  schemas: number;
  passing: number;
  /** The engine refused the schema (ours: SchemaError). */
  compileErrors: number;
  /** Any other throw, or the engine's process died. */
  crashes: number;
  timeouts: number;
  /** Valid instances rejected. */
  validationErrors: number;
  /** Invalid instances accepted. */
  invalidationErrors: number;
  validInstances: number;
  invalidInstances: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

export interface EngineReport {
  engine: EngineName;
  version: string;
  total: Counts;
  categories: Record<string, Counts>;
  ttfmUs: Percentiles;
  tbmUs: Percentiles;
  masks: number;
}

export const passes = (result: SchemaResult): boolean =>
  result.outcome === 'ok' && result.validationErrors === 0 && result.invalidationErrors === 0;

export function engineReport(engine: EngineName, version: string, results: readonly { category: string; result: SchemaResult }[]): EngineReport {
  const total = emptyCounts();
  const categories: Record<string, Counts> = {};
  for (const { category, result } of [...results].sort((a, b) => categoryRank(a.category) - categoryRank(b.category))) {
    for (const counts of [total, (categories[category] ??= emptyCounts())]) add(counts, result);
  }
  const ttfm = Float64Array.from(results.flatMap(({ result }) => (result.ttfmUs === undefined ? [] : [result.ttfmUs])));
  const masks = results.reduce((sum, { result }) => sum + result.maskUs.length, 0);
  const tbm = new Float64Array(masks);
  let at = 0;
  for (const { result } of results) {
    tbm.set(result.maskUs, at);
    at += result.maskUs.length;
  }
  return { engine, version, total, categories, ttfmUs: percentiles(ttfm), tbmUs: percentiles(tbm), masks };
}

function emptyCounts(): Counts {
  return { schemas: 0, passing: 0, compileErrors: 0, crashes: 0, timeouts: 0, validationErrors: 0, invalidationErrors: 0, validInstances: 0, invalidInstances: 0 };
}

function add(counts: Counts, result: SchemaResult): void {
  counts.schemas++;
  if (passes(result)) counts.passing++;
  if (result.outcome === 'refused') counts.compileErrors++;
  if (result.outcome === 'crashed') counts.crashes++;
  if (result.outcome === 'timeout') counts.timeouts++;
  counts.validationErrors += result.validationErrors;
  counts.invalidationErrors += result.invalidationErrors;
  counts.validInstances += result.validTests;
  counts.invalidInstances += result.invalidTests;
}

function percentiles(values: Float64Array): Percentiles {
  const sorted = values.sort();
  const at = (q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

const share = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(whole >= 1000 ? 2 : 1)}%`;
const micros = (value: number): string => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US'));

/** The per-category table, then the totals' shares and the time percentiles. */
export function formatReport(report: EngineReport): string {
  const header = ['category', 'schemas', 'passing', 'compile err', 'crash', 'timeout', 'validation err', 'invalidation err', 'valid inst', 'invalid inst'];
  const row = (name: string, c: Counts): string[] => [
    name, `${c.schemas}`, `${c.passing} (${share(c.passing, c.schemas)})`, `${c.compileErrors}`, `${c.crashes}`, `${c.timeouts}`,
    `${c.validationErrors}`, `${c.invalidationErrors}`, `${c.validInstances}`, `${c.invalidInstances}`,
  ];
  const rows = [header, ...Object.entries(report.categories).map(([name, counts]) => row(name, counts)), row('TOTAL', report.total)];
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = rows.map((cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  const { total, ttfmUs, tbmUs } = report;
  return [
    `${report.engine} (${report.version})`,
    ...lines,
    `validation errors: ${total.validationErrors} of ${total.validInstances} valid instances (${share(total.validationErrors, total.validInstances)}); invalidation errors: ${total.invalidationErrors} of ${total.invalidInstances} invalid instances`,
    `TTFM (compile) us: p50 ${micros(ttfmUs.p50)}, p90 ${micros(ttfmUs.p90)}, p99 ${micros(ttfmUs.p99)}`,
    `TBM (mask) us over ${report.masks.toLocaleString('en-US')} masks: p50 ${micros(tbmUs.p50)}, p90 ${micros(tbmUs.p90)}, p99 ${micros(tbmUs.p99)}`,
  ].join('\n');
}

/** The one-line summary the bench ends with. */
export function summaryLine({ total, tbmUs }: EngineReport): string {
  return `passing ${total.passing}/${total.schemas} (${share(total.passing, total.schemas)}), compile errors ${total.compileErrors}, validation errors ${total.validationErrors}, invalidation errors ${total.invalidationErrors}, mask p50 ${Math.round(tbmUs.p50)} us p99 ${Math.round(tbmUs.p99)} us`;
}
