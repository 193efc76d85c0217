// The conversion in headless Chromium, in a dedicated worker as the engine runs it: the worker
// bundled with esbuild, the page, the worker and the checkpoint served from one local origin
// (Range requests, as the store reads its chunks), the worker's V8 heap and ArrayBuffer
// backing stores sampled over the DevTools protocol (worker-heap.ts).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { BASE_ARGS, CHROMIUM_PATH } from '../../../e2e/helpers/browser.ts';
import type { ComputeType } from '../../../workers/convert/qwen-graph.ts';
import { sampleHeap, workerHeap, workerTargets, type HeapUsage } from '../worker-heap.ts';
import type { BenchCheckpoint } from './fixtures.ts';
import type { ConvertJob, ConvertReply } from './protocol.ts';

export interface BrowserRun {
  compute: ComputeType;
  reply: ConvertReply;
  peak: HeapUsage;
  /** Heap readings taken; a reading lost (no answer in 5 s) ends the sampling early. */
  samples: number;
  lost: boolean;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>convert bench</title>';

export async function convertInBrowser(checkpoint: BenchCheckpoint, computes: ComputeType[]): Promise<BrowserRun[]> {
  const bundle = await build({ entryPoints: [join(import.meta.dirname, 'convert.worker.ts')], bundle: true, format: 'esm', target: 'es2022', write: false, logLevel: 'warning' });
  const workerJs = bundle.outputFiles[0]!.contents;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    if (path === '/convert.worker.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(workerJs);
    const weight = checkpoint.weights.find((w) => `/files/${w.file}` === path);
    if (!weight) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!range) return void res.writeHead(416).end();
    const [start, end] = [Number(range[1]), Math.min(Number(range[2]), statSync(join(checkpoint.dir, weight.file)).size - 1)];
    res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${weight.size}` });
    createReadStream(join(checkpoint.dir, weight.file), { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: BASE_ARGS, headless: true });
  const runs: BrowserRun[] = [];
  try {
    const cdp = await browser.newBrowserCDPSession();
    for (const compute of computes) {
      // A fresh page and worker per run: each peak is that conversion's alone.
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      const before = await workerTargets(cdp);
      await page.evaluate(() => {
        const worker = new Worker('/convert.worker.js', { type: 'module', name: 'convert-bench' });
        (globalThis as unknown as { convert: (job: ConvertJob) => Promise<ConvertReply> }).convert = (job) =>
          new Promise((resolve) => {
            worker.onmessage = (m: MessageEvent<ConvertReply>) => resolve(m.data);
            worker.onerror = (e) => resolve({ kind: 'error', message: `worker error: ${e.message || 'the worker crashed (out of memory?)'}` });
            worker.postMessage(job);
          });
      });
      const heap = await workerHeap(cdp, 'convert.worker', before);
      let samples = 0;
      let lost = false;
      const sampler = sampleHeap(
        {
          heapUsage: async () => {
            const usage = await heap.heapUsage();
            if (usage) samples++;
            else lost = true;
            return usage;
          },
        },
        50,
      );
      const job: ConvertJob = {
        base: `${origin}/files/`,
        repo: checkpoint.repo,
        config: checkpoint.config,
        index: checkpoint.index,
        compute,
        sizes: Object.fromEntries(checkpoint.weights.map((w) => [w.file, w.size])),
      };
      const reply = await page.evaluate((j) => (globalThis as unknown as { convert: (job: ConvertJob) => Promise<ConvertReply> }).convert(j), job);
      await sampler.stop();
      runs.push({ compute, reply, peak: sampler.peaks(), samples, lost });
      await page.close();
    }
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return runs;
}
