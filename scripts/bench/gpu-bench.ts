// `npm run bench:gpu`: this engine vs transformers.js on WebGPU, in headless Chromium on the
// machine's adapter (SwiftShader where there is no GPU: GPU_BENCH_ADAPTER): prefill and decode
// tok/s at each context on forged q4f16 files (q4 where the adapter has no shader-f16), the
// weight bytes a decode step reads and the bandwidth that implies. Prints the adapter and a
// table, writes bench-results/gpu.json. Sizes: gpu/settings.ts.
import { cpus, loadavg } from 'node:os';
import { BASE_ARGS } from '../../e2e/helpers/browser.ts';
import { benchModel } from './bench-hub.ts';
import { openEngine, openTransformers } from './engine/browser-runners.ts';
import { interleave, type Contender } from './engine/interleave.ts';
import { openBenchBrowser } from './engine/bench-browser.ts';
import { BenchPrompts } from './engine/prompts.ts';
import { formatMemory, writeResult, type BenchResult } from './engine/report.ts';
import { adapterChoice, describeAdapter, isSoftware, readAdapter, webgpuArgs, type AdapterReport } from './gpu/adapter.ts';
import { SETTINGS_HELP, gpuBenchSettings, type GpuBenchSettings } from './gpu/settings.ts';
import { formatGpuTable, gpuRows, runName, type GpuRow, type ModelRow } from './gpu/table.ts';
import { weightBytes } from './gpu/weight-bytes.ts';

const OUT = 'bench-results/gpu.json';
const DIST = '.cache/bench-gpu-dist';

interface GpuResult extends BenchResult {
  adapter: AdapterReport;
  settings: GpuBenchSettings;
  rows: GpuRow[];
}

const choice = adapterChoice();
console.log(`gpu bench on ${choice === 'gpu' ? "the machine's GPU" : 'SwiftShader'} (GPU_BENCH_ADAPTER)\n${SETTINGS_HELP}`);
const bench = await openBenchBrowser({ dist: DIST, port: 4184, args: [...BASE_ARGS, ...webgpuArgs(choice)], transformersPage: true });
let result: GpuResult;
try {
  const { setup, browser } = bench;
  const adapter = await readAdapter(setup.context, setup.appUrl);
  if (!adapter) throw new Error(`Chromium found no WebGPU adapter${choice === 'gpu' ? ' on this GPU (GPU_BENCH_ADAPTER=swiftshader runs on the CPU)' : ''}`);
  console.log(describeAdapter(adapter));
  const software = isSoftware(adapter);
  const settings = gpuBenchSettings(software);
  // q4f16 is the file a GPU with shader-f16 runs; without it the engine itself would pick q4.
  const dtype = adapter.features.includes('shader-f16') ? 'q4f16' : 'q4';
  console.log(`${software ? 'a CPU rasterizer: small sizes. ' : ''}settings: ${JSON.stringify(settings)}`);
  if (dtype === 'q4') console.log('no shader-f16 on this adapter: q4 files (fp32 compute) instead of q4f16');
  result = { date: new Date().toISOString(), conditions: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadavg(), node: process.version, chromium: browser.version() }, measurements: [], memory: [], adapter, settings, rows: [] };

  const models: ModelRow[] = [];
  for (const size of settings.sizes) {
    const model = benchModel(size, dtype);
    const label = `${size} ${dtype}`;
    const bytes = weightBytes(model.modelPath);
    console.log(`${label}: ${(bytes.total / 2 ** 20).toFixed(1)} MiB of weights, ${(bytes.perToken / 2 ** 20).toFixed(1)} MiB read per decode token`);
    const prompts = new BenchPrompts(model.dir);
    const contender = (engine: 'engine' | 'transformers.js'): Contender => ({
      engine,
      ep: 'webgpu',
      model: label,
      page: 'main',
      open: () => (engine === 'engine' ? openEngine : openTransformers)(setup, { repo: model.repo, device: 'webgpu', dtype }),
    });
    // One run per context gives both figures: the prompt's prefill, then decode at that context.
    await interleave(result, [contender('engine'), contender('transformers.js')], [
      { run: 'warm-up', prompt: prompts.filler(8), maxTokens: 2, reuse: false, warmUp: true },
      ...settings.contexts.map((context) => ({ run: runName(context), prompt: prompts.filler(context), maxTokens: settings.decodeTokens, reuse: false, tries: settings.tries })),
    ]);
    models.push(...settings.contexts.map((context) => ({ model: label, context, weightBytesPerToken: bytes.perToken })));
  }
  result.rows = gpuRows(result, models);
} finally {
  await bench.close();
}

result.conditions['loadAverageAtEnd'] = loadavg();
console.log(`\n${formatGpuTable(result.rows, result)}\n(weights/token: the weight bytes one decode step reads, the embedding table's one row; decode GB/s: weights/token × decode tok/s)\n\n${formatMemory(result)}`);
writeResult(result, OUT);
console.log(`\nwrote ${OUT}`);
