// `npm run verify:large`: forged 3B- and 7B-shape INT4 models (external data, the hub's layout)
// loaded in headless Chromium by the engine, whose first greedy tokens must equal
// onnxruntime-node's on the same files; with load time, tokens/s, peak memory (all Chromium
// processes, each worker's heap and wasm memory) and the stages the load made. Then Qwen's own
// GPTQ-Int4 layout at the 7B shape, sharded with an index as the release is: downloaded,
// converted in the browser and run through the same split path, its tokens against
// onnxruntime-node on the same conversion made here. Then the 1.5B shape decoded as one session
// and split into two stages, for the cost of the split.
// Forged files are kept in LARGE_HUB (default .cache/large-hub, ~25 GB) for the next run.
// Settings: LARGE_SIZES (default 3B,7B), LARGE_OFFICIAL (7B: GPTQ-Int4 sizes), LARGE_TOKENS (4),
// LARGE_COMPARE (1: run the 1.5B comparison), LARGE_DECODE (16 tokens per decode run),
// LARGE_DEVICE (wasm; webgpu on a GPU).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { BASE_ARGS, CHROMIUM_PATH, WEBGPU_ARGS } from '../../e2e/helpers/browser.ts';
import type { EngineClient } from '../../src/lib/services/engine-client.ts';
import { ModelRunner } from '../../tests/helpers/model-runner.ts';
import { PromptEncoder, createTokenizer } from '../../workers/engine/prompt-encoder.ts';
import type { LoadReport, GenerateInput, GenerationStats } from '../../workers/protocol/messages.ts';
import { customSource } from '../../workers/protocol/model-source.ts';
import { forge } from '../forge/forge.ts';
import { forgeOfficial } from '../forge/official.ts';
import { convertToDisk } from '../../tests/helpers/convert-to-disk.ts';
import type { SizeName } from '../forge/model-shape.ts';
import { startHubServer } from '../hub-server.ts';
import { sampleMemory, type MemoryPeaks } from './process-memory.ts';
import { allowLocalHubs } from '../local-build.ts';

const HUB = process.env['LARGE_HUB'] ?? '.cache/large-hub';
const SIZES = (process.env['LARGE_SIZES'] ?? '3B,7B').split(',').filter(Boolean) as SizeName[];
const OFFICIAL = (process.env['LARGE_OFFICIAL'] ?? '7B').split(',').filter(Boolean) as SizeName[];
/** Qwen2.5-7B-Instruct-GPTQ-Int4 comes in shards of about 4 GB. */
const OFFICIAL_SHARD_BYTES = 4e9;
const TOKENS = Number(process.env['LARGE_TOKENS'] ?? 4);
const COMPARE = process.env['LARGE_COMPARE'] !== '0';
const DECODE = Number(process.env['LARGE_DECODE'] ?? 16);
const DEVICE = (process.env['LARGE_DEVICE'] ?? 'wasm') as 'wasm' | 'webgpu';
const OUT = 'bench-results/large-models.json';
const DIST = '.cache/large-dist';
/** Reference conversions of the official layouts, outside the hub's tree. */
const CONVERTED = '.cache/large-converted';
const PROFILE = '.cache/large-profile';
const GB = 1e9;
const GREEDY = { temperature: 0, repetition_penalty: 1 };
const INPUT: GenerateInput = { mode: 'chat', messages: [{ role: 'user', content: 'Write one sentence about the Yangtze river. 请用中文回答。' }] };

type PageGlobal = { qwenLocal: { engine: EngineClient } };

interface Forged {
  size: SizeName;
  repo: string;
  dir: string;
  /** Where onnxruntime-node reads the graph: the repo's onnx/, or a conversion made here. */
  onnxDir: string;
  fileName: string;
}

/** Forges the model unless an earlier run left it (same seed: same bytes). */
function forged(size: SizeName, external: boolean): Forged {
  const repo = `qwen-local-forge/Qwen2.5-${size}-Instruct${external ? '-External' : ''}`;
  const dir = join(HUB, repo, 'resolve', 'main');
  const fileName = 'model_q4.onnx';
  if (!existsSync(join(dir, 'tokenizer_config.json'))) {
    const started = performance.now();
    forge({ size, variant: 'optimum', dtype: 'q4', kind: 'instruct', seed: 1, out: HUB, repo, externalChunkBytes: external ? 2 * 1024 ** 3 - 2 ** 20 : undefined });
    console.log(`forged ${repo} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return { size, repo, dir, onnxDir: join(dir, 'onnx'), fileName };
}

/** Qwen's GPTQ-Int4 layout (sharded, with an index), and the reference conversion beside the hub. */
async function forgedOfficial(size: SizeName): Promise<Forged> {
  const repo = `qwen-local-official/Qwen2.5-${size}-Instruct-GPTQ-Int4`;
  const dir = join(HUB, repo, 'resolve', 'main');
  if (!existsSync(join(dir, 'tokenizer_config.json'))) {
    const started = performance.now();
    forgeOfficial({ size, kind: 'instruct', format: 'gptq', seed: 1, out: HUB, repo, shardBytes: OFFICIAL_SHARD_BYTES });
    console.log(`forged ${repo} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const onnxDir = join(CONVERTED, repo);
  if (!existsSync(join(onnxDir, 'model_q4.onnx'))) {
    const started = performance.now();
    mkdirSync(onnxDir, { recursive: true });
    const converted = await convertToDisk(dir, onnxDir);
    console.log(`converted ${repo} here in ${((performance.now() - started) / 1000).toFixed(0)} s: ${converted.dataFiles.length} external data files, ${gb(converted.externalBytes)}`);
  }
  return { size, repo, dir, onnxDir, fileName: 'model_q4.onnx' };
}

function promptIds(model: Forged): number[] {
  const json = (name: string) => JSON.parse(readFileSync(join(model.dir, name), 'utf8')) as Record<string, unknown>;
  const encoder = new PromptEncoder(createTokenizer(json('tokenizer.json'), json('tokenizer_config.json')));
  return encoder.encode(encoder.render(INPUT));
}

async function reference(model: Forged, prompt: number[]): Promise<{ ids: number[]; ms: number }> {
  const started = performance.now();
  const runner = await ModelRunner.open('node', model.onnxDir, model.fileName);
  const ids = await runner.greedy(prompt, TOKENS);
  await runner.release();
  return { ids, ms: performance.now() - started };
}

interface BrowserRun {
  report: LoadReport;
  ids: number[];
  stats: GenerationStats[];
  memory: MemoryPeaks;
}

async function runInBrowser(context: BrowserContext, appUrl: string, hubUrl: string, model: Forged, options: { stages?: number; tokens: number; runs: number }): Promise<BrowserRun> {
  const page: Page = await context.newPage();
  const cdp = await context.browser()!.newBrowserCDPSession().catch(() => context.newCDPSession(page));
  const memory = sampleMemory(cdp);
  try {
    await page.goto(appUrl);
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`  [page] ${m.text()}`);
    });
    const report = await page.evaluate(
      ({ source, repo, device, stages }) => (globalThis as unknown as PageGlobal).qwenLocal.engine.load({ source, repo, device, dtype: 'q4', stages }),
      { source: customSource(hubUrl), repo: model.repo, device: DEVICE, stages: options.stages },
    );
    const stats: GenerationStats[] = [];
    let ids: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const result = await page.evaluate(
        ({ input, maxTokens, sampling }) => (globalThis as unknown as PageGlobal).qwenLocal.engine.generate({ input, maxTokens, sampling, freshCache: true }),
        { input: INPUT, maxTokens: options.tokens, sampling: GREEDY },
      );
      ids = result.tokenIds;
      stats.push(result.stats);
    }
    await page.evaluate(() => (globalThis as unknown as PageGlobal).qwenLocal.engine.unload());
    return { report, ids, stats, memory: await memory.stop() };
  } catch (error) {
    await memory.stop();
    throw error;
  } finally {
    await page.close();
  }
}

const gb = (bytes: number) => `${(bytes / GB).toFixed(2)} GB`;
const stagesText = (r: LoadReport) => r.stages.map((s) => `L${s.layers[0]}–${s.layers[1] - 1} ${gb(s.weightBytes)}${s.worker ? ' (worker)' : ''}`).join(', ');

mkdirSync('bench-results', { recursive: true });
const results: Record<string, unknown> = { date: new Date().toISOString(), device: DEVICE, tokens: TOKENS, models: [] as unknown[] };
const models = [...SIZES.map((size) => forged(size, true))];
for (const size of OFFICIAL) models.push(await forgedOfficial(size));
const references = new Map<string, { prompt: number[]; ids: number[]; ms: number }>();
for (const model of models) {
  const prompt = promptIds(model);
  const ref = await reference(model, prompt);
  references.set(model.repo, { prompt, ...ref });
  console.log(`onnxruntime-node ${model.size}: ${prompt.length} prompt tokens → ${ref.ids.join(', ')} (${(ref.ms / 1000).toFixed(0)} s with the load)`);
}
const half = COMPARE ? forged('1.5B', false) : null;

console.log('building the app …');
allowLocalHubs();
await build({ logLevel: 'warn', build: { outDir: DIST, emptyOutDir: true } });
const server = await preview({ build: { outDir: DIST }, preview: { port: 4183 }, logLevel: 'warn' });
const hub = await startHubServer(HUB, 0);
// A profile on disk: IndexedDB of an off-the-record context lives in memory.
rmSync(PROFILE, { recursive: true, force: true });
const context = await chromium.launchPersistentContext(PROFILE, {
  executablePath: CHROMIUM_PATH,
  args: [...BASE_ARGS, ...(DEVICE === 'webgpu' ? WEBGPU_ARGS : [])],
  headless: true,
});
const appUrl = server.resolvedUrls!.local[0]!;
const hubUrl = hub.url.replace(/\/$/, '');
let failed = false;
try {
  for (const model of models) {
    const ref = references.get(model.repo)!;
    const run = await runInBrowser(context, appUrl, hubUrl, model, { tokens: TOKENS, runs: 1 });
    const equal = JSON.stringify(run.ids) === JSON.stringify(ref.ids);
    failed ||= !equal;
    const s = run.stats[0]!;
    console.log(`\n${model.size} (${model.repo}) on ${run.report.device}: ${equal ? 'EQUAL' : 'DIFFERENT'} first ${TOKENS} greedy tokens: browser ${run.ids.join(', ')} / node ${ref.ids.join(', ')}`);
    console.log(`  stages: ${stagesText(run.report)}${run.report.converted ? `; converted in the browser from ${run.report.converted}` : ''}`);
    console.log(`  load ${(run.report.loadMs / 1000).toFixed(0)} s (download, check, create), warm-up ${(run.report.warmupMs / 1000).toFixed(0)} s; prefill ${s.prefillTokens} tokens at ${s.prefillTokensPerSecond.toFixed(2)} tok/s, decode ${s.decodeTokensPerSecond.toFixed(3)} tok/s`);
    console.log(
      `  peak memory: Chromium RSS ${gb(run.memory.rssBytes)}; largest worker JS heap ${gb(run.memory.workerHeapBytes)}, largest worker wasm/ArrayBuffer memory ${gb(run.memory.workerBackingBytes)} (${run.memory.workers} workers, onnxruntime's threads among them)`,
    );
    (results['models'] as unknown[]).push({ size: model.size, repo: model.repo, equal, browserIds: run.ids, nodeIds: ref.ids, promptTokens: ref.prompt.length, report: run.report, stats: s, memory: run.memory, nodeMs: ref.ms });
  }
  if (half) {
    const runs = 2;
    const single = await runInBrowser(context, appUrl, hubUrl, half, { tokens: DECODE, runs });
    const split = await runInBrowser(context, appUrl, hubUrl, half, { tokens: DECODE, runs, stages: 2 });
    const best = (r: BrowserRun) => Math.max(...r.stats.map((s) => s.decodeTokensPerSecond));
    const same = JSON.stringify(single.ids) === JSON.stringify(split.ids);
    failed ||= !same;
    console.log(`\n1.5B decode, ${DECODE} tokens, best of ${runs}: one session ${best(single).toFixed(3)} tok/s, two stages (${stagesText(split.report)}) ${best(split).toFixed(3)} tok/s: ratio ${(best(split) / best(single)).toFixed(3)}; tokens ${same ? 'equal' : 'DIFFERENT'}`);
    console.log(`  all runs (tok/s): one session ${single.stats.map((s) => s.decodeTokensPerSecond.toFixed(3)).join(', ')}; two stages ${split.stats.map((s) => s.decodeTokensPerSecond.toFixed(3)).join(', ')}`);
    results['compare1_5B'] = { single: single.stats, split: split.stats, splitStages: split.report.stages, ratio: best(split) / best(single), sameTokens: same, memory: { single: single.memory, split: split.memory } };
  }
} finally {
  writeFileSync(OUT, JSON.stringify(results, null, 2));
  console.log(`\nwrote ${OUT}`);
  await context.close();
  await hub.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
process.exit(failed ? 1 : 0);
