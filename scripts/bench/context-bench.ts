// `npm run bench:context`: how decode speed falls with the context on WASM. This engine on the
// GroupQueryAttention graph (the contract its converter builds) and on the Optimum graph, and
// onnxruntime-node on both (the native ceiling), on forged files of one shape (0.5B by default):
// at each context, every contender prefills the prompt once, then decodes from that cache. Prints
// decode tok/s, each contender's ratio to its own figure at the smallest context, and the KV
// tensors the engine made per step (its worker's stats); writes bench-results/context.json. The
// last line is this engine's GQA decode at the largest context over the smallest. Figures only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { BASE_ARGS } from '../../e2e/helpers/browser.ts';
import type { Variant } from '../forge/graph-common.ts';
import { benchModel } from './bench-hub.ts';
import { openEngine } from './engine/browser-runners.ts';
import { interleave, type Contender, type Step } from './engine/interleave.ts';
import { openBenchBrowser } from './engine/bench-browser.ts';
import { NodeRunner } from './engine/node-runner.ts';
import { BenchPrompts, type Prompt } from './engine/prompts.ts';
import { formatMemory, writeResult, type BenchResult } from './engine/report.ts';
import type { RunFigures, Runner } from './engine/runner.ts';
import { SETTINGS_HELP, contextSettings } from './context/settings.ts';
import { GRAPH_LABELS, contextRows, decodeRun, formatContextTable, headline, kvKey, type ContextContender, type ContextRow, type EngineKv } from './context/table.ts';

const OUT = 'bench-results/context.json';
const DIST = '.cache/bench-context-dist';
const GRAPHS: Variant[] = ['gqa', 'optimum'];

interface ContextResult extends BenchResult {
  rows: ContextRow[];
  headline: { from: number; to: number; ratio: number | null };
}

const settings = contextSettings();
console.log(`context bench: ${JSON.stringify(settings)}\n${SETTINGS_HELP}`);
const models = new Map(GRAPHS.map((graph) => [graph, benchModel(settings.model, 'q4', graph)]));
// Both graphs' repos carry the same tokenizer.
const prompts = new BenchPrompts(models.get('gqa')!.dir);
// The decode run's prompt is one token longer than the cached one and it generates the rest.
const needed = settings.contexts.at(-1)! + settings.decodeTokens;
const config = JSON.parse(readFileSync(join(models.get('gqa')!.dir, 'config.json'), 'utf8')) as { max_position_embeddings: number };
if (needed > config.max_position_embeddings) throw new Error(`${settings.model}'s context is ${config.max_position_embeddings} tokens; the largest run needs ${needed}`);

// At each context: a fresh prefill of exactly `context` tokens (its first token sampled, nothing
// decoded), then a prompt of one token more that reuses that cache: one forward pass of the new
// token, then decode steps. Run interleaved, so the contenders' decode runs follow each other.
const warmUp = prompts.filler(8);
const decodeContexts = new Map<Prompt, number>();
const steps: Step[] = [
  { run: 'warm-up', prompt: warmUp, maxTokens: 2, reuse: false, warmUp: true },
  ...settings.contexts.flatMap((context): Step[] => {
    const prompt = prompts.filler(context + 1);
    decodeContexts.set(prompt, context);
    return [
      { run: `prefill @${context}`, prompt: prompts.filler(context), maxTokens: 1, reuse: false },
      { run: decodeRun(context), prompt, maxTokens: settings.decodeTokens, reuse: true },
    ];
  }),
];

const result: ContextResult = {
  date: new Date().toISOString(),
  conditions: { settings, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: loadavg(), node: process.version },
  measurements: [],
  memory: [],
  rows: [],
  headline: { from: settings.contexts[0]!, to: settings.contexts.at(-1)!, ratio: null },
};
const kv: EngineKv = { inPlace: new Map(), perStep: new Map() };

/** A decode run that prefilled more than its one new token measured a fresh prompt, not the cache. */
function checkedReuse(figures: RunFigures, reuse: boolean): RunFigures {
  if (reuse && figures.prefillTokens !== 1) throw new Error(`the cache was not reused (${figures.prefillTokens} tokens prefilled)`);
  return figures;
}

/** Long prefills take minutes on a few cores: say when one starts. */
function announce(label: string, prompt: Prompt, reuse: boolean): void {
  if (!reuse && prompt !== warmUp) console.log(`  ${label}: prefilling ${prompt.ids.length} tokens …`);
}

const bench = await openBenchBrowser({ dist: DIST, port: 4185, args: BASE_ARGS, transformersPage: false });
try {
  const { setup, browser } = bench;
  result.conditions['chromium'] = browser.version();
  // This engine, with the KV tensors its worker made during each decode run counted per step.
  const openEngineCounted = async (graph: Variant): Promise<Runner> => {
    const label = `engine ${settings.model} wasm (${GRAPH_LABELS[graph]})`;
    const runner = await openEngine(setup, { repo: models.get(graph)!.repo, device: 'wasm' });
    if (runner.report.contextTokens < needed) {
      await runner.close();
      throw new Error(`the engine gave ${runner.report.contextTokens} tokens of context; the largest run needs ${needed}`);
    }
    kv.inPlace.set(graph, runner.report.kvInPlace);
    console.log(`  ${label}: KV cache ${runner.report.kvInPlace ? 'written in place' : 'growing by a copy each step'}`);
    return {
      ...runner,
      generate: async (prompt, maxTokens, reuse) => {
        announce(label, prompt, reuse);
        const before = (await runner.stats()).kvTensorsMade;
        const figures = checkedReuse(await runner.generate(prompt, maxTokens, reuse), reuse);
        const context = decodeContexts.get(prompt);
        // N tokens took N forward passes: the new prompt token, then every generated token but the last.
        if (context !== undefined) kv.perStep.set(kvKey(graph, context), ((await runner.stats()).kvTensorsMade - before) / figures.decodeTokens);
        return figures;
      },
    };
  };
  const openNode = async (graph: Variant): Promise<Runner> => {
    const runner = await NodeRunner.open(models.get(graph)!, settings.threads);
    return {
      generate: async (prompt, maxTokens, reuse) => {
        announce(`onnxruntime-node ${settings.model} cpu (${GRAPH_LABELS[graph]})`, prompt, reuse);
        return checkedReuse(await runner.generate(prompt, maxTokens, reuse), reuse);
      },
      close: () => runner.close(),
    };
  };
  const contender = (c: ContextContender): Contender => ({
    engine: c.engine,
    ep: c.engine === 'engine' ? 'wasm' : 'cpu',
    model: settings.model,
    page: GRAPH_LABELS[c.graph],
    variant: GRAPH_LABELS[c.graph],
    open: () => (c.engine === 'engine' ? openEngineCounted(c.graph) : openNode(c.graph)),
  });

  const contenders: ContextContender[] = GRAPHS.map((graph) => ({ engine: 'engine' as const, graph }));
  if (settings.node) contenders.push(...GRAPHS.map((graph) => ({ engine: 'onnxruntime-node' as const, graph })));
  console.log(`${settings.model} shape, WASM (onnxruntime-node on the CPU), contexts ${settings.contexts.join(', ')}:`);
  await interleave(result, contenders.map(contender), steps);
  result.rows = contextRows(result, contenders, settings.contexts, kv);
} finally {
  await bench.close();
}

result.conditions['loadAverageAtEnd'] = loadavg();
const { line, ...ratio } = headline(result.rows, settings.contexts);
result.headline = ratio;
console.log(`\n${formatContextTable(result.rows, settings.contexts)}\n\n${formatMemory(result)}`);
writeResult(result, OUT);
const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
console.log(`\nwrote ${OUT}; load average at start ${load(result.conditions['loadAverageAtStart'] as number[])}, at end ${load(loadavg())} (${cpus().length} cores)`);
console.log(line);
