// Writes the unit test's fixed MaskBench subset (tests/fixtures/maskbench-sample.json): of the
// schema files whose record takes at most 8,000 bytes, every 25th by name (~300 schemas, ~0.6 MB),
// each with its instances already written as Python's json.dumps writes them.
//   npx tsx scripts/bench/schemas/make-sample.ts [folder or .tar.gz]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchemaFiles } from './dataset.ts';
import { pythonDumpsOfTests } from './python-json.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = resolve(REPO, 'tests/fixtures/maskbench-sample.json');
const MAX_RECORD_BYTES = 8000;
const EVERY = 25;

const data = process.argv[2] ?? resolve(REPO, '../shared/jsonschemabench/maskbench-dev.tar.gz');
const records = loadSchemaFiles(data).map(({ name, text }) => {
  const file = JSON.parse(text) as { schema: unknown; tests?: { valid: boolean }[] };
  const texts = pythonDumpsOfTests(text);
  return JSON.stringify({ name, schema: file.schema, tests: (file.tests ?? []).map((test, i) => ({ valid: test.valid, text: texts[i]! })) });
});
const sample = records.filter((record) => Buffer.byteLength(record) <= MAX_RECORD_BYTES).filter((_, i) => i % EVERY === 0);
const about = `MaskBench dev split (guidance-ai/jsonschemabench maskbench/data): of the files whose record is at most ${MAX_RECORD_BYTES} bytes, every ${EVERY}th by name; written by scripts/bench/schemas/make-sample.ts`;
writeFileSync(OUT, `{"about":${JSON.stringify(about)},"schemas":[\n${sample.join(',\n')}\n]}\n`);
console.log(`wrote ${sample.length} schemas to ${OUT}`);
