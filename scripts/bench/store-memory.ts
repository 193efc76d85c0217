// `npm run bench:store [-- --size 0.5B|tiny]`: downloads a forged model of the real 0.5B shape
// into the app's store in headless Chromium, loads it from there and decodes a few tokens,
// sampling the engine worker's memory (V8 heap and ArrayBuffer backing stores, over the
// DevTools protocol) and the renderer's resident memory. Prints a table, writes JSON.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type CDPSession } from '@playwright/test';
import { build, preview } from 'vite';
import { BASE_ARGS, CHROMIUM_PATH } from '../../e2e/helpers/browser.ts';
import type { SizeName } from '../forge/model-shape.ts';
import { startHubServer } from '../hub-server.ts';
import { BENCH_HUB, benchModel } from './bench-hub.ts';
import { workerHeap } from './worker-heap.ts';
import { allowLocalHubs } from '../local-build.ts';

const { values } = parseArgs({ options: { size: { type: 'string', default: '0.5B' }, chunk: { type: 'string', default: '32' } } });
const size = values.size as SizeName;
const chunkBytes = Number(values.chunk) * 2 ** 20;
const { repo, modelPath: weights } = benchModel(size);
const fileBytes = statSync(weights).size;

allowLocalHubs();
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: 4180, strictPort: true }, logLevel: 'warn' });
const appUrl = 'http://localhost:4180/';
const hub = await startHubServer(BENCH_HUB, 0);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: BASE_ARGS, headless: true });

interface Sample {
  at: number;
  phase: string;
  heapUsed: number;
  backingStore: number;
}

try {
  const page = await browser.newPage();
  const phases: { at: number; phase: string }[] = [];
  page.on('console', (m) => {
    const match = /^phase:(\w+)$/.exec(m.text());
    if (match) phases.push({ at: performance.now(), phase: match[1]! });
  });
  await page.goto(appUrl);
  const worker = await workerHeap(await browser.newBrowserCDPSession(), 'engine.worker');
  const samples: Sample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const usage = await worker.heapUsage();
      if (!usage) break;
      samples.push({ at: performance.now(), phase: phases.at(-1)?.phase ?? 'idle', ...usage });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  const result = await page.evaluate(
    async ({ source, repo, chunkBytes }) => {
      type Engine = import('../../src/lib/services/engine-client.ts').EngineClient;
      const engine = (globalThis as unknown as { qwenLocal: { engine: Engine } }).qwenLocal.engine;
      let last = '';
      const report = await engine.load({ source, repo, dtype: 'q4', device: 'wasm', chunkBytes }, (p) => {
        if (p.phase !== last) console.log(`phase:${(last = p.phase)}`);
      });
      console.log('phase:generate');
      const answer = await engine.generate({ input: { mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, maxTokens: 4, sampling: { temperature: 0 } });
      return { report, tokens: answer.tokenIds.length, decode: answer.stats.decodeTokensPerSecond };
    },
    { source: { id: 'custom' as const, template: `${hub.url}{repo}/resolve/main/{file}` }, repo, chunkBytes },
  );
  const totalMs = performance.now() - started;
  sampling = false;
  await sampler;
  const renderer = await rendererPeakRss(await browser.newBrowserCDPSession());

  const byPhase = new Map<string, { heap: number; backing: number }>();
  for (const s of samples) {
    const p = byPhase.get(s.phase) ?? { heap: 0, backing: 0 };
    byPhase.set(s.phase, { heap: Math.max(p.heap, s.heapUsed), backing: Math.max(p.backing, s.backingStore) });
  }
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\n${repo} q4: ${mb(fileBytes)} file, ${mb(chunkBytes)} chunks; download + load ${(totalMs / 1000).toFixed(1)} s (load report: ${result.report.loadMs.toFixed(0)} ms), ${result.tokens} tokens at ${result.decode.toFixed(2)} tok/s`);
  console.log('phase      peak JS heap   peak ArrayBuffers   (engine worker)');
  for (const [phase, peak] of byPhase) console.log(`${phase.padEnd(10)} ${mb(peak.heap).padStart(12)}   ${mb(peak.backing).padStart(17)}`);
  const peakHeap = Math.max(...samples.map((s) => s.heapUsed));
  console.log(`peak JS heap ${mb(peakHeap)} = ${((100 * peakHeap) / fileBytes).toFixed(1)}% of the file; renderer peak RSS ${renderer === null ? 'n/a' : mb(renderer)}`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/store-memory.json',
    JSON.stringify({ repo, fileBytes, chunkBytes, totalMs, report: result.report, peakHeap, rendererPeakRss: renderer, phases: Object.fromEntries(byPhase), samples: samples.length }, null, 2),
  );
} finally {
  await browser.close();
  await hub.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}

/** The renderer process's peak resident memory (Linux: VmHWM), wasm heaps and all. */
async function rendererPeakRss(cdp: CDPSession): Promise<number | null> {
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    const peaks = processInfo
      .filter((p) => p.type === 'renderer')
      .map((p) => /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1])
      .map((kb) => Number(kb) * 1024);
    return Math.max(...peaks);
  } catch {
    return null;
  }
}
