// Runs the same steps on several engines, interleaved step by step (on a shared machine the
// load changes by the minute; back-to-back runs see the same conditions), a step's tries too,
// keeping each engine's fastest; a run named again (a chat's next round) merges with the first. A runner that fails a step is reopened for the next; figures,
// errors and each worker's memory are recorded.
import { loadavg } from 'node:os';
import type { BrowserRunner } from './browser-runners.ts';
import type { Prompt } from './prompts.ts';
import type { BenchResult, EngineName } from './report.ts';
import type { RunFigures, Runner } from './runner.ts';
import type { HeapUsage } from '../worker-heap.ts';

export interface Step {
  run: string;
  prompt: Prompt;
  maxTokens: number;
  reuse: boolean;
  /** Run but not recorded. */
  warmUp?: boolean;
  /** Times to run it (a fresh cache each time); the fastest is kept, all are in the JSON. */
  tries?: number;
}

export interface Contender {
  engine: EngineName;
  ep: string;
  model: string;
  /** Names the page in the memory table. */
  page: string;
  /** Appended to the run names, for a configuration of the engine (e.g. without the logits rewrite). */
  variant?: string;
  open: () => Promise<Runner>;
}

const isBrowserRunner = (runner: Runner): runner is BrowserRunner => 'heap' in runner;

export async function interleave(result: BenchResult, contenders: Contender[], steps: Step[]): Promise<void> {
  const runners = new Map<Contender, Runner | null>();
  const loadPeaks = new Map<Runner, HeapUsage>();
  const open = async (c: Contender): Promise<Runner> => {
    const runner = await c.open();
    if (isBrowserRunner(runner)) {
      loadPeaks.set(runner, runner.heap.peaks());
      runner.heap.reset();
      console.log(`  ${label(c)}: loaded in ${(runner.loadMs / 1000).toFixed(1)} s`);
    }
    return runner;
  };
  const close = async (c: Contender, runner: Runner): Promise<void> => {
    if (isBrowserRunner(runner)) {
      result.memory.push({ engine: c.engine, ep: c.ep, model: c.model, page: c.page, loadMs: runner.loadMs, load: loadPeaks.get(runner)!, runs: runner.heap.peaks() });
    }
    await runner.close();
  };
  const fail = async (c: Contender, step: Step, error: unknown, loadAverage: number): Promise<void> => {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    result.measurements.push({ engine: c.engine, ep: c.ep, model: c.model, run: runName(c, step), error: message, loadAverage });
    console.log(`  ${label(c)} ${step.run}: failed (${message})`);
    const runner = runners.get(c);
    runners.set(c, null);
    if (runner) await close(c, runner);
  };
  try {
    for (const step of steps) {
      const tries = new Map<Contender, { figures: RunFigures[]; loadAverage: number }>(contenders.map((c) => [c, { figures: [], loadAverage: loadavg()[0]! }]));
      for (let attempt = 0; attempt < (step.tries ?? 1); attempt++) {
        for (const c of contenders) {
          const record = tries.get(c)!;
          if (record.figures.length < attempt) continue; // it failed an earlier try
          const started = performance.now();
          try {
            let runner = runners.get(c) ?? null;
            if (!runner) runners.set(c, (runner = await open(c)));
            record.figures.push(await runner.generate(step.prompt, step.maxTokens, step.reuse));
            console.log(`  ${label(c)} ${step.run}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
          } catch (error) {
            await fail(c, step, error, record.loadAverage);
          }
        }
      }
      if (step.warmUp) continue;
      for (const [c, { figures, loadAverage }] of tries) {
        if (figures.length < (step.tries ?? 1)) continue;
        const run = runName(c, step);
        const earlier = result.measurements.find((m) => m.engine === c.engine && m.ep === c.ep && m.model === c.model && m.run === run);
        if (earlier?.figures) {
          const all = [...(earlier.tries ?? [earlier.figures]), ...figures];
          Object.assign(earlier, { figures: fastestOf(all), tries: all, loadAverage: Math.max(earlier.loadAverage, loadAverage) });
        } else if (!earlier) {
          // (An earlier round that failed stays the record: a failure is reported.)
          result.measurements.push({ engine: c.engine, ep: c.ep, model: c.model, run, figures: fastestOf(figures), loadAverage, ...(figures.length > 1 ? { tries: figures } : {}) });
        }
      }
    }
  } finally {
    for (const [c, runner] of runners) if (runner) await close(c, runner);
  }
}

const fastestOf = (figures: RunFigures[]): RunFigures => figures.reduce((a, b) => (b.firstTokenMs + b.decodeMs < a.firstTokenMs + a.decodeMs ? b : a));
/** A step's run name as recorded for a contender: its variant appended. */
export const runName = (c: Pick<Contender, 'variant'>, step: Pick<Step, 'run'>): string => (c.variant ? `${step.run}, ${c.variant}` : step.run);
const label = (c: Contender): string => `${c.engine} ${c.model} ${c.ep}${c.page === 'main' ? '' : ` (${c.page})`}`;
