// MaskBench (guidance-ai/jsonschemabench) on the Qwen2.5 tokenizer: every schema compiled (TTFM)
// and every test instance, written as Python's json.dumps writes it, fed token by token through
// the mask (TBM), by our grammar and by XGrammar's WASM build (@mlc-ai/web-xgrammar), each in its
// own process with a per-schema time cap. Prints counts by category and percentiles per engine,
// ours last; writes every schema's result to bench-results/schemas.json. Files: schemas/.
//   npm run bench:schemas -- [--data <folder|.tar.gz>] [--limit N] [--only <prefix>] [--engine ours|xgrammar|both] [--json <file>] [--timeout-s S]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSchemaFiles } from './schemas/dataset.ts';
import { type EngineName, ENGINE_NAMES } from './schemas/engine.ts';
import { EngineHost } from './schemas/engine-host.ts';
import { pythonDumpsOfTests } from './schemas/python-json.ts';
import { qwenTokenizer } from './schemas/qwen-tokenizer.ts';
import { engineReport, formatReport, passes, summaryLine } from './schemas/report.ts';
import type { SchemaJob, SchemaResult } from './schemas/run-schema.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(REPO, '../shared/jsonschemabench/maskbench-dev.tar.gz') },
    limit: { type: 'string' },
    only: { type: 'string', default: '' },
    engine: { type: 'string', default: 'both' },
    json: { type: 'string', default: resolve(REPO, 'bench-results/schemas.json') },
    'timeout-s': { type: 'string', default: '10' },
  },
});
const engines: EngineName[] = values.engine === 'both' ? [...ENGINE_NAMES] : ENGINE_NAMES.filter((name) => name === values.engine);
if (engines.length === 0) throw new Error(`--engine must be ours, xgrammar or both (got ${values.engine})`);
const timeoutMs = Number(values['timeout-s']) * 1000;
const limit = values.limit === undefined ? Infinity : Number(values.limit);

const files = loadSchemaFiles(values.data)
  .filter((file) => file.name.startsWith(values.only))
  .slice(0, limit);
const tokenizer = qwenTokenizer();
const versions: Record<EngineName, string> = {
  ours: 'this checkout',
  xgrammar: `@mlc-ai/web-xgrammar ${(JSON.parse(readFileSync(resolve(REPO, 'node_modules/@mlc-ai/web-xgrammar/package.json'), 'utf8')) as { version: string }).version}`,
};

/** The file's schema, and its instances as MaskBench tokenizes them (no special tokens). */
function jobFor(name: string, text: string): SchemaJob {
  const file = JSON.parse(text) as { schema: unknown; tests?: { valid: boolean }[] };
  const texts = pythonDumpsOfTests(text);
  const tests = (file.tests ?? []).map((test, i) => ({ valid: test.valid, tokens: tokenizer.encode(texts[i]!, { add_special_tokens: false }) }));
  return { name, schema: file.schema, tests };
}

const jobs = files.map((file) => jobFor(file.name, file.text));
const started = performance.now();
console.error(`${files.length} schemas from ${values.data}; engines ${engines.join(', ')}, each in its own process; cap ${values['timeout-s']} s per schema`);
const hosts = engines.map((name) => new EngineHost(name, timeoutMs));
const results = new Map<EngineName, { category: string; result: SchemaResult }[]>(engines.map((name) => [name, []]));
// The engines run side by side (one process each), so the bench takes the slower one's time.
await Promise.all(
  hosts.map(async (host) => {
    const done = results.get(host.name)!;
    for (const [i, job] of jobs.entries()) {
      const result = await host.run(job);
      done.push({ category: files[i]!.category, result });
      if (result.outcome === 'timeout' || result.outcome === 'crashed') console.error(`${host.name}: ${job.name}: ${result.outcome}: ${result.error}`);
      if ((i + 1) % 250 === 0 || i + 1 === jobs.length) {
        const passing = done.filter(({ result }) => passes(result)).length;
        console.error(`${host.name} [${i + 1}/${jobs.length}] passing ${passing}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    host.stop();
  }),
);

// Ours last, so its summary is the last line.
const reports = [...engines].reverse().map((name) => engineReport(name, versions[name], results.get(name)!));
for (const report of reports) console.log(`\n${formatReport(report)}`);

mkdirSync(dirname(values.json), { recursive: true });
const schemas = Object.fromEntries(
  engines.map((name) => [name, results.get(name)!.map(({ category, result: { maskUs, ...rest } }) => ({ ...rest, category, masks: maskUs.length, maxMaskUs: Math.max(0, ...maskUs) }))]),
);
const conditions = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, timeoutS: Number(values['timeout-s']) };
writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), data: values.data, only: values.only, limit: values.limit ?? null, conditions, reports, schemas }, null, 2)}\n`);
console.log(`\nwrote ${values.json}`);
console.log(summaryLine(reports.at(-1)!));
