// `npm run bench:kernels`: single matmuls timed alone, the figures behind two engine choices and
// the ceiling the WASM engine is held to.
// - WASM: a 4-bit MatMulNBits against a float32 MatMul over the same shape (why the engine
//   unpacks 4-bit weights on WASM, split/unpack-weights.ts), in the browser and in
//   onnxruntime-node (the native 4-bit kernel the engine's decode is compared with).
// - WebGPU: the tiny model's lm_head as MatMulNBits at 1 to 128 rows (why the warm-up times the
//   lm_head on 1 row and on 4 there, decoder.ts).
// Prints a table, writes bench-results/kernels.json. Threads: onnxruntime-web's (ort-env.ts), given to onnxruntime-node too.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { build, preview } from 'vite';
import { BASE_ARGS, CHROMIUM_PATH, WEBGPU_ARGS } from '../../e2e/helpers/browser.ts';
import { GraphBuilder, MS_DOMAIN } from '../forge/onnx-graph.ts';
import { writeModel } from '../forge/onnx-writer.ts';
import { Random } from '../forge/random.ts';
import { startHubServer } from '../hub-server.ts';
import type { KernelReply, KernelRequest } from './browser/kernels-protocol.ts';
import { benchSettings } from './engine/settings.ts';

const OUT = 'bench-results/kernels.json';
const DIST = '.cache/kernel-dist';
const MODELS = '.cache/kernel-bench';
const BLOCK = 32;

interface Kernel {
  shape: string;
  kind: '4-bit MatMulNBits' | 'float32 MatMul';
  k: number;
  n: number;
}

interface Row {
  shape: string;
  kind: Kernel['kind'];
  runtime: string;
  rows: number;
  /** The fastest round's mean. */
  ms: number;
}

const { threads } = benchSettings();
const cpuKernels: Kernel[] = [
  { shape: '0.5B MLP projection 896x4864', kind: '4-bit MatMulNBits', k: 896, n: 4864 },
  { shape: '0.5B MLP projection 896x4864', kind: 'float32 MatMul', k: 896, n: 4864 },
  { shape: '0.5B lm_head 896x151936', kind: '4-bit MatMulNBits', k: 896, n: 151936 },
  { shape: '0.5B lm_head 896x151936', kind: 'float32 MatMul', k: 896, n: 151936 },
];
const gpuKernel: Kernel = { shape: 'tiny lm_head 128x151936', kind: '4-bit MatMulNBits', k: 128, n: 151936 };
const GPU_ROWS = [1, 2, 4, 8, 128];

/** A one-node graph x[1, rows, k] -> y[1, rows, n] with seeded weights; written once per shape. */
function kernelFile(kernel: Kernel): string {
  const fileName = `${kernel.kind === 'float32 MatMul' ? 'matmul' : 'nbits'}-${kernel.k}x${kernel.n}.onnx`;
  if (existsSync(join(MODELS, fileName))) return fileName;
  const { k, n } = kernel;
  const random = new Random(1, fileName);
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [1, 'rows', k]);
  const y =
    kernel.kind === 'float32 MatMul'
      ? g.op('MatMul', 'mm', [x, g.tensor('w', 'float32', [k, n], Float32Array.from({ length: k * n }, () => random.uniform() - 0.5))])
      : g.op(
          'MatMulNBits',
          'mm',
          [
            x,
            g.tensor('w', 'uint8', [n, k / BLOCK, BLOCK / 2], Uint8Array.from({ length: (n * k) / 2 }, () => random.nextUint32() & 0xff)),
            g.tensor('s', 'float32', [(n * k) / BLOCK], Float32Array.from({ length: (n * k) / BLOCK }, () => random.uniform() * 0.01)),
          ],
          { K: k, N: n, bits: 4, block_size: BLOCK },
          MS_DOMAIN,
        );
  g.node('Identity', 'out', [y], { outputs: ['y'] });
  g.output('y', 'float32', [1, 'rows', n]);
  mkdirSync(MODELS, { recursive: true });
  writeModel(g, { dir: MODELS, fileName });
  return fileName;
}

/** Runs per round so a round takes about a quarter of a second at the expected speed. */
const runsFor = (kernel: Kernel): number => (kernel.n > 100_000 ? 4 : 50);

async function timeNode(kernel: Kernel, rounds: number): Promise<number> {
  const session = await ort.InferenceSession.create(join(MODELS, kernelFile(kernel)), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const x = new ort.Tensor('float32', Float32Array.from({ length: kernel.k }, (_, i) => Math.sin(i)), [1, 1, kernel.k]);
  const roundMs: number[] = [];
  for (let round = -1; round < rounds; round++) {
    const started = performance.now();
    for (let run = 0; run < runsFor(kernel); run++) await session.run({ x });
    if (round >= 0) roundMs.push((performance.now() - started) / runsFor(kernel));
  }
  await session.release();
  return Math.min(...roundMs);
}

const rows: Row[] = [];
const record = (row: Row): void => {
  rows.push(row);
  console.log(`  ${row.shape}, ${row.kind}, ${row.runtime}, ${row.rows} row(s): ${row.ms.toFixed(3)} ms`);
};

console.log(`kernel bench: ${threads} threads; forging the graphs into ${MODELS} …`);
for (const kernel of [...cpuKernels, gpuKernel]) kernelFile(kernel);
await build({ logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true, rollupOptions: { input: { kernels: 'scripts/bench/browser/kernels.html' } } } });
const server = await preview({ build: { outDir: DIST }, preview: { port: 4182 }, logLevel: 'warn' });
const hub = await startHubServer(MODELS, 0);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...BASE_ARGS, ...WEBGPU_ARGS], headless: true });
try {
  const page = await browser.newPage();
  await page.goto(new URL('/scripts/bench/browser/kernels.html', server.resolvedUrls!.local[0]!).href);
  const inBrowser = async (kernel: Kernel, ep: KernelRequest['ep'], rowCount: number, runs: number, rounds: number): Promise<number> => {
    const request: KernelRequest = { url: `${hub.url.replace(/\/$/, '')}/${kernelFile(kernel)}`, ep, k: kernel.k, rows: rowCount, runs, rounds };
    const reply = await page.evaluate((r) => (globalThis as unknown as { kernelBench: { call: (r: KernelRequest) => Promise<KernelReply> } }).kernelBench.call(r), request);
    if (reply.kind === 'error') throw new Error(`${kernel.shape} on ${ep}: ${reply.message}`);
    return Math.min(...reply.roundMs);
  };
  console.log('one row (a decode step), WASM in the browser vs onnxruntime-node:');
  for (const kernel of cpuKernels) {
    record({ shape: kernel.shape, kind: kernel.kind, runtime: 'onnxruntime-web WASM', rows: 1, ms: await inBrowser(kernel, 'wasm', 1, runsFor(kernel), 5) });
    record({ shape: kernel.shape, kind: kernel.kind, runtime: 'onnxruntime-node CPU', rows: 1, ms: await timeNode(kernel, 5) });
  }
  console.log('WebGPU (the browser default adapter), by rows:');
  for (const rowCount of GPU_ROWS) record({ shape: gpuKernel.shape, kind: gpuKernel.kind, runtime: 'onnxruntime-web WebGPU', rows: rowCount, ms: await inBrowser(gpuKernel, 'webgpu', rowCount, 1, 2) });
} finally {
  await browser.close();
  await hub.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}

const ms = (shape: string, kind: Kernel['kind'], runtime: string, rowCount = 1): number => rows.find((r) => r.shape === shape && r.kind === kind && r.runtime === runtime && r.rows === rowCount)!.ms;
console.log('\nratios:');
for (const shape of new Set(cpuKernels.map((k) => k.shape))) {
  const unpacked = ms(shape, 'float32 MatMul', 'onnxruntime-web WASM');
  console.log(`  ${shape}: WASM 4-bit / WASM float32 ${(ms(shape, '4-bit MatMulNBits', 'onnxruntime-web WASM') / unpacked).toFixed(1)}x the time; native 4-bit / WASM float32 ${(ms(shape, '4-bit MatMulNBits', 'onnxruntime-node CPU') / unpacked).toFixed(2)} (one weight, warm in cache; a whole decode step reads its float32 weights from memory: bench:engine's unpacked onnxruntime-node row)`);
}
const oneRow = ms(gpuKernel.shape, gpuKernel.kind, 'onnxruntime-web WebGPU');
console.log(`  ${gpuKernel.shape} on WebGPU: ${GPU_ROWS.map((r) => `${r} rows ${(ms(gpuKernel.shape, gpuKernel.kind, 'onnxruntime-web WebGPU', r) / oneRow).toFixed(2)}x`).join(', ')} the time of 1 row`);
mkdirSync('bench-results', { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ date: new Date().toISOString(), conditions: { threads, cpus: cpus().length, cpuModel: cpus()[0]?.model, chromium: browser.version(), loadAverage: loadavg() }, rows }, null, 2)}\n`);
console.log(`wrote ${OUT}`);
