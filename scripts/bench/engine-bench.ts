// `npm run bench:engine`: this engine vs transformers.js v4 (same files, browser and EP) vs
// onnxruntime-node on the CPU (the native ceiling), on forged 0.5B-shape files and the tiny shape
// for long contexts: prefill and decode tokens/s, time to first token per chat turn, worker memory,
// the largest prefill with and without the logits rewrite. One process, one headless Chromium;
// prints tables, writes bench-results/engine.json. Sizes: engine/settings.ts.
import { cpus, loadavg } from 'node:os';
import { BASE_ARGS, WEBGPU_ARGS } from '../../e2e/helpers/browser.ts';
import { benchModel, type BenchModel } from './bench-hub.ts';
import { openEngine, openTransformers } from './engine/browser-runners.ts';
import { interleave, type Contender, type Step } from './engine/interleave.ts';
import { openBenchBrowser } from './engine/bench-browser.ts';
import { NodeRunner } from './engine/node-runner.ts';
import { BenchPrompts } from './engine/prompts.ts';
import { formatMemory, formatTable, writeResult, type BenchResult } from './engine/report.ts';
import { SETTINGS_HELP, benchSettings } from './engine/settings.ts';

const OUT = 'bench-results/engine.json';
const DIST = '.cache/bench-dist';
/** The variant whose engine and onnxruntime-node runs share a row of the table. */
const EVERY_WEIGHT_UNPACKED = 'every weight unpacked';

const settings = benchSettings();
console.log(`engine bench: ${JSON.stringify(settings)}\n${SETTINGS_HELP}`);
const half = benchModel('0.5B');
const tiny = benchModel('tiny');
const halfPrompts = new BenchPrompts(half.dir);
const tinyPrompts = new BenchPrompts(tiny.dir);

const warmUp = (p: BenchPrompts): Step => ({ run: 'warm-up', prompt: p.filler(8), maxTokens: 2, reuse: false, warmUp: true });
const prefill = (p: BenchPrompts, tokens: number): Step => ({ run: `prefill ${tokens}`, prompt: p.filler(tokens), maxTokens: 1, reuse: false });
const decode = (p: BenchPrompts, context: number): Step => ({ run: `decode @${context}`, prompt: p.filler(context), maxTokens: settings.decodeTokens, reuse: false });
const chat = (p: BenchPrompts): Step[] =>
  p.chat(settings.chatTurns, settings.chatTurnTokens).map((prompt, i) => ({ run: `chat turn ${i + 1}`, prompt, maxTokens: 1, reuse: i > 0 }));
const largest = Math.max(...settings.prefill);

const result: BenchResult = {
  date: new Date().toISOString(),
  conditions: { settings, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadavg(), node: process.version },
  measurements: [],
  memory: [],
};

const bench = await openBenchBrowser({ dist: DIST, port: 4181, args: [...BASE_ARGS, ...(settings.webgpu ? WEBGPU_ARGS : [])], transformersPage: true });
try {
  const { setup, browser } = bench;
  result.conditions['chromium'] = browser.version();
  const node = (model: BenchModel, unpacked = false): Contender => ({
    engine: 'onnxruntime-node',
    ep: 'cpu',
    model: model.size,
    page: 'main',
    variant: unpacked ? EVERY_WEIGHT_UNPACKED : undefined,
    open: () => NodeRunner.open(model, settings.threads, unpacked),
  });
  const engine = (model: BenchModel, device: 'wasm' | 'webgpu', page = 'main', options: { logitsSlice?: boolean; unpackBytes?: number; variant?: string } = {}): Contender => ({
    engine: 'engine',
    ep: device,
    model: model.size,
    page,
    variant: options.variant,
    open: () => openEngine(setup, { repo: model.repo, device, logitsSlice: options.logitsSlice, unpackBytes: options.unpackBytes }),
  });
  const peer = (model: BenchModel, device: 'wasm' | 'webgpu', page = 'main'): Contender => ({
    engine: 'transformers.js',
    ep: device,
    model: model.size,
    page,
    open: () => openTransformers(setup, { repo: model.repo, device }),
  });

  console.log('0.5B shape, WASM (onnxruntime-node on the CPU):');
  await interleave(result, [node(half), engine(half, 'wasm'), peer(half, 'wasm')], [
    warmUp(halfPrompts),
    ...Array.from({ length: settings.chatRounds }, () => chat(halfPrompts)).flat(),
    ...settings.prefill.filter((n) => n !== largest).map((n) => prefill(halfPrompts, n)),
    ...settings.decode.map((c) => decode(halfPrompts, c)),
  ]);
  // On fresh pages (fresh wasm memory): the largest prefill; the engine with and without the
  // logits rewrite alternating, best of a few tries (a single 2-minute run is at the mercy of the load).
  console.log(`0.5B shape, prefill of ${largest} tokens on fresh pages:`);
  const page = `prefill ${largest}`;
  await interleave(result, [node(half), peer(half, 'wasm', page)], [warmUp(halfPrompts), prefill(halfPrompts, largest)]);
  await interleave(result, [engine(half, 'wasm', page, { logitsSlice: true }), engine(half, 'wasm', `${page}, no logits rewrite`, { logitsSlice: false, variant: 'no logits rewrite' })], [
    warmUp(halfPrompts),
    { ...prefill(halfPrompts, largest), tries: settings.rewriteTries },
  ]);
  // Unpacked 4-bit weights (split/unpack-weights.ts): none, the default allowance (what the page's
  // memory share leaves after the weights and a full 32K context's KV), and every weight, beside
  // onnxruntime-node on every weight unpacked too (the native ceiling of float32 weights).
  console.log('0.5B shape, decode with 4-bit weights unpacked to float32 or not, on fresh pages:');
  const unpacking = (unpackBytes: number, variant: string): Contender => engine(half, 'wasm', `decode, ${variant}`, { unpackBytes, variant });
  await interleave(result, [node(half, true), unpacking(0, 'nothing unpacked'), unpacking(2 ** 40, EVERY_WEIGHT_UNPACKED)], [warmUp(halfPrompts), decode(halfPrompts, settings.decode[0]!)]);
  console.log('tiny shape, long contexts:');
  await interleave(result, [node(tiny), engine(tiny, 'wasm'), peer(tiny, 'wasm')], [warmUp(tinyPrompts), ...settings.decodeTiny.map((c) => decode(tinyPrompts, c))]);
  if (settings.webgpu) {
    console.log('tiny shape, WebGPU:');
    await interleave(result, [engine(tiny, 'webgpu'), peer(tiny, 'webgpu')], [warmUp(tinyPrompts), prefill(tinyPrompts, 128), prefill(tinyPrompts, 512), decode(tinyPrompts, 128)]);
  }
} finally {
  await bench.close();
}

result.conditions['loadAverageAtEnd'] = loadavg();
console.log(`\n${formatTable(result)}\n\n${formatMemory(result)}`);
writeResult(result, OUT);
const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
console.log(`\nwrote ${OUT}; load average at start ${load(result.conditions['loadAverageAtStart'] as number[])}, at end ${load(loadavg())} (${cpus().length} cores)`);
