// `npm run bench:convert [-- --sizes 0.5B,1.5B] [--out DIR] [--browser 1.5B|none]`: how fast the
// in-browser converter (workers/convert) turns Qwen's bf16 safetensors checkpoint into the
// engine's INT4 ONNX model (q4: float32 compute, q4f16: float16), set against the download it
// follows, and how much memory it holds on the way (the converter must stay under 1 GiB of JS
// heap plus ArrayBuffers). In Node (checkpoint read from disk), then in headless Chromium in a
// dedicated worker (read by Range requests). Prints figures, asserts nothing; writes JSON.
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckpointFiles } from '../../workers/convert/checkpoint.ts';
import { convertCheckpoint } from '../../workers/convert/convert-model.ts';
import type { ComputeType } from '../../workers/convert/qwen-graph.ts';
import { SIZES, type SizeName } from '../forge/model-shape.ts';
import { convertInBrowser } from './convert/browser.ts';
import { benchCheckpoint, type BenchCheckpoint } from './convert/fixtures.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0.5B,1.5B' },
    out: { type: 'string', default: '.cache/convert-bench' },
    browser: { type: 'string', default: '1.5B' },
  },
});
const asSize = (s: string): SizeName => {
  if (!(SIZES as readonly string[]).includes(s)) throw new Error(`unknown size ${s}: one of ${SIZES.join(', ')}`);
  return s as SizeName;
};
const sizes = values.sizes.split(',').map(asSize);
const browserSize = values.browser === 'none' ? null : asSize(values.browser);
const out = resolve(values.out);
const COMPUTES: { compute: ComputeType; dtype: string }[] = [
  { compute: 'float32', dtype: 'q4' },
  { compute: 'float16', dtype: 'q4f16' },
];
const DOWNLOAD_MBPS = 100;
const MB = 1e6;
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
// Only with `tsx --expose-gc` (the npm script): collects the previous run's garbage first.
const gc = (globalThis as { gc?: () => void }).gc;

interface NodeRun {
  size: SizeName;
  dtype: string;
  sourceBytes: number;
  outputBytes: number;
  seconds: number;
  peakHeapUsed: number;
  peakArrayBuffers: number;
  peakSum: number;
  peakRss: number;
  samples: number;
}

/**
 * Memory sampled at each checkpoint read and each sink append: the converter reads from disk
 * synchronously and its sink resolves at once, so it never returns to the event loop and a
 * timer would not fire until it is done. These are the moments a tensor's bytes are held. The
 * peaks include garbage V8 has not collected yet: what the process holds, not the live set.
 */
function memorySampler(): { sample: () => void; peaks: () => Pick<NodeRun, 'peakHeapUsed' | 'peakArrayBuffers' | 'peakSum' | 'peakRss' | 'samples'> } {
  const p = { peakHeapUsed: 0, peakArrayBuffers: 0, peakSum: 0, peakRss: 0, samples: 0 };
  return {
    sample: () => {
      const m = process.memoryUsage();
      p.peakHeapUsed = Math.max(p.peakHeapUsed, m.heapUsed);
      p.peakArrayBuffers = Math.max(p.peakArrayBuffers, m.arrayBuffers);
      p.peakSum = Math.max(p.peakSum, m.heapUsed + m.arrayBuffers);
      p.peakRss = Math.max(p.peakRss, m.rss);
      p.samples++;
    },
    peaks: () => ({ ...p }),
  };
}

async function convertInNode(checkpoint: BenchCheckpoint, size: SizeName, compute: ComputeType, dtype: string): Promise<NodeRun> {
  gc?.();
  const memory = memorySampler();
  memory.sample();
  // Byte ranges read from disk, as the engine worker reads the store's chunks.
  const fds = new Map(checkpoint.weights.map((w) => [w.file, openSync(join(checkpoint.dir, w.file), 'r')]));
  const files: CheckpointFiles = {
    size: (file) => checkpoint.weights.find((w) => w.file === file)?.size ?? 0,
    read: async (file, begin, end, into) => {
      const bytes = into ?? new Uint8Array(end - begin);
      if (readSync(fds.get(file)!, bytes, 0, bytes.byteLength, begin) !== bytes.byteLength) throw new Error(`${file} [${begin}, ${end}): short read`);
      memory.sample();
      return bytes;
    },
  };
  let outputBytes = 0;
  const started = performance.now();
  const converted = await convertCheckpoint({
    repo: checkpoint.repo,
    config: checkpoint.config,
    index: checkpoint.index,
    compute,
    files,
    // Discarded, counted: the figure is the converter's, not a disk's write speed.
    sink: {
      append: async (bytes) => {
        outputBytes += bytes.byteLength;
        memory.sample();
      },
    },
    fileName: `model_${dtype}.onnx`,
  }).finally(() => fds.forEach((fd) => closeSync(fd)));
  const seconds = (performance.now() - started) / 1000;
  memory.sample();
  return { size, dtype, sourceBytes: checkpoint.sourceBytes, outputBytes: outputBytes + converted.graph.byteLength, seconds, ...memory.peaks() };
}

function throughputLine(label: string, sourceBytes: number, seconds: number): string {
  const mbps = sourceBytes / MB / seconds;
  return `${label}: ${(sourceBytes / MB).toFixed(0)} MB source in ${seconds.toFixed(1)} s = ${mbps.toFixed(1)} MB/s; conversion / ${DOWNLOAD_MBPS} MB/s download = ${(DOWNLOAD_MBPS / mbps).toFixed(2)}×`;
}

console.log(`convert bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]!.toFixed(1)}, Node ${process.version}${gc ? '' : ' (no --expose-gc: peaks include earlier garbage)'}`);
const checkpoints = new Map<SizeName, BenchCheckpoint>();
for (const size of new Set([...sizes, ...(browserSize ? [browserSize] : [])])) checkpoints.set(size, benchCheckpoint(size, out));

console.log('\nNode (checkpoint read from disk, output counted and discarded):');
const nodeRuns: NodeRun[] = [];
for (const size of sizes) {
  for (const { compute, dtype } of COMPUTES) {
    const run = await convertInNode(checkpoints.get(size)!, size, compute, dtype);
    nodeRuns.push(run);
    console.log(throughputLine(`  ${size} bf16 → ${dtype}`, run.sourceBytes, run.seconds));
    console.log(
      `    ${mib(run.outputBytes)} out; peak heapUsed ${mib(run.peakHeapUsed)}, arrayBuffers ${mib(run.peakArrayBuffers)}, heapUsed + arrayBuffers ${mib(run.peakSum)} (${run.samples} samples), RSS ${mib(run.peakRss)}`,
    );
  }
}

const browserRuns = [];
if (browserSize) {
  const checkpoint = checkpoints.get(browserSize)!;
  console.log(`\nheadless Chromium, dedicated worker (${browserSize} bf16 read by Range requests from a local server, output counted and discarded):`);
  for (const run of await convertInBrowser(checkpoint, COMPUTES.map((c) => c.compute))) {
    const dtype = COMPUTES.find((c) => c.compute === run.compute)!.dtype;
    browserRuns.push({ size: browserSize, dtype, ...run });
    if (run.reply.kind === 'error') {
      console.log(`  ${browserSize} bf16 → ${dtype}: FAILED: ${run.reply.message}`);
    } else {
      console.log(throughputLine(`  ${browserSize} bf16 → ${dtype}`, checkpoint.sourceBytes, run.reply.ms / 1000));
      console.log(`    ${mib(run.reply.externalBytes + run.reply.graphBytes)} out, ${mib(run.reply.bytesFetched)} fetched in ${(run.reply.fetchMs / 1000).toFixed(1)} s`);
      console.log(throughputLine(`    without the fetches (${((run.reply.ms - run.reply.fetchMs) / 1000).toFixed(1)} s converting)`, checkpoint.sourceBytes, (run.reply.ms - run.reply.fetchMs) / 1000));
    }
    console.log(`    worker heap peak: ${mib(run.peak.heapUsed)} (JS heap) + ${mib(run.peak.backingStore)} (ArrayBuffers) [${run.samples} samples${run.lost ? ', sampling stopped early' : ''}]`);
  }
}

mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/convert.json', `${JSON.stringify({ date: new Date().toISOString(), conditions: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverage: loadavg() }, node: nodeRuns, browser: browserRuns }, null, 2)}\n`);
