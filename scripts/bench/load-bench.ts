// `npm run bench:load`: how long a model takes to load on WASM, this engine against transformers.js
// v4 on the same forged files (0.5B shape, q4, by default), each load on a fresh page with a fresh
// worker. The engine's first load downloads into its store; the later ones read the store.
// transformers.js fetches from the local hub stand-in every time (its best case: no network).
// Prints each load's time, the worker's memory peak while loading, and the prefill and decode
// speed the loaded model then gives (a load-time change must not cost them); the last line is the
// engine's later loads over transformers.js's. Writes bench-results/load.json. Figures only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { BASE_ARGS } from '../../e2e/helpers/browser.ts';
import { SIZES, type SizeName } from '../forge/model-shape.ts';
import { benchModel } from './bench-hub.ts';
import { openEngine, openTransformers, type BrowserRunner, type EngineRunner } from './engine/browser-runners.ts';
import { openBenchBrowser } from './engine/bench-browser.ts';
import { BenchPrompts } from './engine/prompts.ts';
import { decodeRate, prefillRate } from './engine/runner.ts';

const OUT = 'bench-results/load.json';
const DIST = '.cache/bench-load-dist';
const HELP = 'environment: LOAD_MODEL=0.5B (tiny for a quick check)  LOAD_TIMES=3 (loads per contender; the first is the engine\'s download)';

interface LoadRow {
  contender: 'engine' | 'transformers.js';
  load: number;
  loadMs: number;
  /** The engine's warm-up after its load (transformers.js has none: its first generate pays it). */
  warmupMs: number | null;
  downloadedBytes: number | null;
  /** What the load gives: a 128-token prefill and 16 tokens decoded, greedy (tok/s). */
  prefill: number;
  decode: number;
  /** The peak of the worker's JS heap plus its ArrayBuffers (wasm memory included), sampled over CDP; stage workers not counted. */
  peakBytes: number;
}

const size = (process.env['LOAD_MODEL']?.trim() || '0.5B') as SizeName;
if (!(SIZES as readonly string[]).includes(size)) throw new Error(`LOAD_MODEL: unknown size ${size} (${SIZES.join(', ')})`);
const times = Number(process.env['LOAD_TIMES']?.trim() || '3');
if (!Number.isInteger(times) || times < 2) throw new Error(`LOAD_TIMES must be a whole number of at least 2 (got ${process.env['LOAD_TIMES']})`);
console.log(`load bench: ${size}, ${times} loads each\n${HELP}`);

const model = benchModel(size);
const prompt = new BenchPrompts(model.dir).filler(128);
const rows: LoadRow[] = [];
const conditions: Record<string, unknown> = { size, times, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadavg(), node: process.version };

async function measure(contender: LoadRow['contender'], load: number, open: () => Promise<BrowserRunner>): Promise<void> {
  const runner = await open();
  const peak = runner.heap.peaks();
  const figures = await runner.generate(prompt, 16, false);
  const report = contender === 'engine' ? (runner as EngineRunner).report : null;
  rows.push({
    contender,
    load,
    loadMs: runner.loadMs,
    warmupMs: report?.warmupMs ?? null,
    downloadedBytes: report?.downloadedBytes ?? null,
    prefill: prefillRate(figures),
    decode: decodeRate(figures),
    peakBytes: peak.heapUsed + peak.backingStore,
  });
  console.log(`  ${contender} load ${load}: ${(runner.loadMs / 1000).toFixed(1)} s${report ? ` (+ warm-up ${(report.warmupMs / 1000).toFixed(1)} s, ${report.downloadedBytes} bytes downloaded)` : ''}, then decode ${decodeRate(figures).toFixed(2)} tok/s`);
  await runner.close();
}

const bench = await openBenchBrowser({ dist: DIST, port: 4183, args: BASE_ARGS, transformersPage: true });
try {
  const { setup, browser } = bench;
  conditions['chromium'] = browser.version();
  // Interleaved, so a busy spell on the machine falls on both.
  for (let load = 1; load <= times; load++) {
    await measure('engine', load, () => openEngine(setup, { repo: model.repo, device: 'wasm' }));
    await measure('transformers.js', load, () => openTransformers(setup, { repo: model.repo, device: 'wasm' }));
  }
} finally {
  await bench.close();
}

// A peak of 0: the sampler never reached the worker.
const gb = (bytes: number | null): string => (bytes === null || bytes === 0 ? '–' : `${(bytes / 1e9).toFixed(2)} GB`);
console.log(`\n${size} shape, WASM, q4, loads on fresh pages:`);
console.log('| contender | load | load s | warm-up s | downloaded | worker peak while loading | then prefill tok/s | decode tok/s |\n|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.contender} | ${r.load} | ${(r.loadMs / 1000).toFixed(1)} | ${r.warmupMs === null ? '–' : (r.warmupMs / 1000).toFixed(1)} | ${gb(r.downloadedBytes)} | ${gb(r.peakBytes)} | ${r.prefill.toFixed(1)} | ${r.decode.toFixed(2)} |`);
}
const later = (contender: LoadRow['contender']): number => {
  const ms = rows.filter((r) => r.contender === contender && r.load > 1).map((r) => r.loadMs);
  return ms.reduce((a, b) => a + b, 0) / ms.length;
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), conditions, rows }, null, 2));
console.log(`later loads, engine / transformers.js = ${(later('engine') / later('transformers.js')).toFixed(2)}`);
