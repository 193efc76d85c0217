// `npm run bench:load`: how long a model takes to load on WASM, this engine against transformers.js
// v4 on the same forged files (0.5B shape, q4, by default), each load on a fresh page with a fresh
// worker. The engine's first load downloads into its store; the later ones read the store.
// transformers.js fetches from the local hub stand-in every time (its best case: no network).
// Prints each load's time, the worker's memory peak while loading, and the prefill and decode
// speed the loaded model then gives. On a WASM fast start (engine/speed-up.ts) the engine is
// ready on its 4-bit weights: it decodes there first, then once the unpacked weights are swapped
// in, with the time until then ("full speed"). The last line is the engine's later loads (ready
// to answer) over transformers.js's. Writes bench-results/load.json. Figures only.
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
const HELP = 'environment: LOAD_MODEL=0.5B (tiny for a quick check)  LOAD_TIMES=3 (loads per contender; the first is the engine\'s download)  LOAD_FAST_START=1 (0: the engine loads at full speed at once)  LOAD_SETTLE_S=60';

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
  /** Engine, fast start: seconds from the load's start until the unpacked weights serve, and what they then give. */
  fullSpeedMs: number | null;
  /** Right after the swap, while the browser still compiles the new workers' wasm in the background. */
  decodeAfter: number | null;
  /** Once that is over (LOAD_SETTLE_S later). */
  prefillSettled: number | null;
  decodeSettled: number | null;
  /** The peak of the workers' JS heaps plus their ArrayBuffers (wasm memories included), stage workers too, sampled over CDP while loading. */
  peakBytes: number;
  /** The same until the measures end: on a fast start, the speed-up's build beside the 4-bit pipeline included. */
  peakAllBytes: number;
}

const size = (process.env['LOAD_MODEL']?.trim() || '0.5B') as SizeName;
if (!(SIZES as readonly string[]).includes(size)) throw new Error(`LOAD_MODEL: unknown size ${size} (${SIZES.join(', ')})`);
const times = Number(process.env['LOAD_TIMES']?.trim() || '3');
// Off: the engine waits for its unpacked weights before it answers (no fast start), to compare.
const fastStart = process.env['LOAD_FAST_START']?.trim() !== '0';
// After the swap, new workers' onnxruntime wasm is tiered up by V8 in the background for about a minute (two cores busy here).
const settleSeconds = Number(process.env['LOAD_SETTLE_S']?.trim() || '60');
if (!Number.isInteger(times) || times < 2) throw new Error(`LOAD_TIMES must be a whole number of at least 2 (got ${process.env['LOAD_TIMES']})`);
console.log(`load bench: ${size}, ${times} loads each, engine fast start ${fastStart ? 'on' : 'off'}\n${HELP}`);

const model = benchModel(size);
const prompt = new BenchPrompts(model.dir).filler(128);
const rows: LoadRow[] = [];
const conditions: Record<string, unknown> = { size, times, fastStart, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadavg(), node: process.version };

async function measure(contender: LoadRow['contender'], load: number, open: () => Promise<BrowserRunner>): Promise<void> {
  const runner = await open();
  const peak = runner.heap.peaks();
  const figures = await runner.generate(prompt, 16, false);
  const report = contender === 'engine' ? (runner as EngineRunner).report : null;
  const speedUp = contender === 'engine' ? await (runner as EngineRunner).speedUp() : null;
  const after = speedUp ? await runner.generate(prompt, 16, false) : null;
  if (speedUp) await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const settled = speedUp ? await runner.generate(prompt, 16, false) : null;
  const peakAll = runner.heap.peaks();
  rows.push({
    contender,
    load,
    loadMs: runner.loadMs,
    warmupMs: report?.warmupMs ?? null,
    downloadedBytes: report?.downloadedBytes ?? null,
    prefill: prefillRate(figures),
    decode: decodeRate(figures),
    fullSpeedMs: report && speedUp ? report.loadMs + report.warmupMs + speedUp.afterLoadMs : null,
    decodeAfter: after && decodeRate(after),
    prefillSettled: settled && prefillRate(settled),
    decodeSettled: settled && decodeRate(settled),
    peakBytes: peak.heapUsed + peak.backingStore,
    peakAllBytes: peakAll.heapUsed + peakAll.backingStore,
  });
  const then =
    after && settled
      ? `; unpacked weights in ${((report!.loadMs + report!.warmupMs + speedUp!.afterLoadMs) / 1000).toFixed(1)} s after the start, then decode ${decodeRate(after).toFixed(2)} tok/s, ${settleSeconds} s later ${decodeRate(settled).toFixed(2)} tok/s`
      : '';
  console.log(`  ${contender} load ${load}: ${(runner.loadMs / 1000).toFixed(1)} s${report ? ` (+ warm-up ${(report.warmupMs / 1000).toFixed(1)} s, ${report.downloadedBytes} bytes downloaded)` : ''}, then decode ${decodeRate(figures).toFixed(2)} tok/s${then}`);
  const stages = speedUp && 'stages' in speedUp.outcome ? speedUp.outcome.stages : report?.stages;
  if (stages) console.log(`    stages: ${stages.map((st) => `layers ${st.layers[0]}–${st.layers[1] - 1}, ${(st.unpackedBytes / 1e6).toFixed(0)} MB unpacked${st.worker ? ', in a worker' : ''}`).join('; ')}`);
  await runner.close();
}

const bench = await openBenchBrowser({ dist: DIST, port: 4183, args: BASE_ARGS, transformersPage: true });
try {
  const { setup, browser } = bench;
  conditions['chromium'] = browser.version();
  // Interleaved, so a busy spell on the machine falls on both.
  for (let load = 1; load <= times; load++) {
    await measure('engine', load, () => openEngine(setup, { repo: model.repo, device: 'wasm', fastStart: fastStart ? undefined : false, beforeSpeedUp: true }));
    await measure('transformers.js', load, () => openTransformers(setup, { repo: model.repo, device: 'wasm' }));
  }
} finally {
  await bench.close();
}

// A peak of 0: the sampler never reached the worker.
const gb = (bytes: number | null): string => (bytes === null || bytes === 0 ? '–' : `${(bytes / 1e9).toFixed(2)} GB`);
console.log(`\n${size} shape, WASM, q4, loads on fresh pages:`);
console.log(
  `| contender | load | ready s | warm-up s | downloaded | peak while loading | then prefill tok/s | decode tok/s | unpacked in s | then decode tok/s | ${settleSeconds} s later prefill tok/s | decode tok/s | peak, all |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
);
const fixed = (value: number | null, digits: number): string => (value === null ? '–' : value.toFixed(digits));
for (const r of rows) {
  console.log(
    `| ${r.contender} | ${r.load} | ${(r.loadMs / 1000).toFixed(1)} | ${r.warmupMs === null ? '–' : (r.warmupMs / 1000).toFixed(1)} | ${gb(r.downloadedBytes)} | ${gb(r.peakBytes)} | ${r.prefill.toFixed(1)} | ${r.decode.toFixed(2)} | ${fixed(r.fullSpeedMs && r.fullSpeedMs / 1000, 1)} | ${fixed(r.decodeAfter, 2)} | ${fixed(r.prefillSettled, 1)} | ${fixed(r.decodeSettled, 2)} | ${gb(r.peakAllBytes)} |`,
  );
}
const later = (contender: LoadRow['contender'], ms: (r: LoadRow) => number | null = (r) => r.loadMs): number => {
  const times = rows.filter((r) => r.contender === contender && r.load > 1).map((r) => ms(r) ?? r.loadMs);
  return times.reduce((a, b) => a + b, 0) / times.length;
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), conditions, rows }, null, 2));
console.log(`later loads until the unpacked weights serve, engine / transformers.js's load = ${(later('engine', (r) => r.fullSpeedMs) / later('transformers.js')).toFixed(2)}`);
console.log(`later loads, engine / transformers.js = ${(later('engine') / later('transformers.js')).toFixed(2)}`);
