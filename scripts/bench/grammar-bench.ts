// Times the structured-output grammar on Qwen2.5's real vocabulary: the one-off precompute per
// model (tokenizer.json to vocabulary, then the token index), and the per-step cost of
// GrammarConstraint.apply() (mask computed and written into the 151,936 logits) by schema
// class, over generations driven by random logits through the project's sampler at temperature
// 1. Prints a table and writes bench-results/grammar.json.
//   npm run bench:grammar
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { FORMATS } from '../../workers/grammar/formats.ts';
import { createGrammarConstraint } from '../../workers/grammar/grammar-constraint.ts';
import type { ResponseFormat } from '../../workers/grammar/response-format.ts';
import { tokenIndexFor } from '../../workers/grammar/token-index.ts';
import { vocabularyFromTokenizerJson } from '../../workers/grammar/vocabulary.ts';
import { Random } from '../../workers/generation/random.ts';
import { createSampler } from '../../workers/generation/sampler.ts';
import { GREEDY } from '../../workers/generation/sampling-params.ts';

const LOGITS = 151_936;
const EOS_IDS = [151_645, 151_643];
const MAX_TOKENS = 256;
const SEEDS = [1, 2, 3, 4, 5, 6];
const OUT_DIR = new URL('../../bench-results/', import.meta.url);

const schema = (schema: Record<string, unknown>): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 'bench', schema } });
const object = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });

const CLASSES: Record<string, ResponseFormat[]> = {
  'free json_object': [{ type: 'json_object' }],
  'flat object': [
    schema(object({ city: { type: 'string' }, date: { type: 'string', format: 'date' }, temperature: { type: 'number' }, condition: { enum: ['sunny', 'cloudy', 'rain'] } })),
    schema(object({ id: { type: 'integer' }, name: { type: 'string', maxLength: 40 }, active: { type: 'boolean' } })),
  ],
  'nested/recursive': [
    schema({ $defs: { node: { ...object({ value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }), required: ['value'] } }, $ref: '#/$defs/node' }),
    schema(object({ user: object({ name: { type: 'string' }, address: object({ street: { type: 'string' }, city: { type: 'string' } }) }), tags: { type: 'array', items: { type: 'string' } } })),
  ],
  enums: [
    schema({ type: 'array', items: { enum: ['red', 'green', 'blue', 'light blue', 'dark green', 'yellow', 'magenta'] }, minItems: 24 }),
    schema(object({ tool: { enum: ['get_weather', 'search_web', 'calculator', 'calendar'] }, mode: { enum: [1, 2, 3, true, null] } })),
  ],
  'long strings': [schema(object({ title: { type: 'string', maxLength: 80 }, essay: { type: 'string', minLength: 200 } }))],
  numbers: [
    schema({ type: 'array', items: { type: 'number' }, minItems: 24 }),
    schema({ type: 'array', items: { type: 'integer', minimum: -1000, maximum: 1000 }, minItems: 24 }),
    schema({ type: 'array', items: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, minItems: 24 }),
  ],
  formats: [schema(object({ at: { type: 'string', format: 'date-time' }, id: { type: 'string', format: 'uuid' }, email: { type: 'string', format: 'email' } }))],
};

function time<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

const [json, parseMs] = time(() => JSON.parse(readFileSync(new URL('../forge/qwen2.5/tokenizer.json', import.meta.url), 'utf8')) as unknown);
const [vocabulary, vocabularyMs] = time(() => vocabularyFromTokenizerJson(json, LOGITS));
const [index, indexMs] = time(() => tokenIndexFor(vocabulary));

// Random logits: a random one of a few random vectors each step, rotated by a random amount.
const seedRandom = new Random(7);
const pool = Array.from({ length: 8 }, () => Float32Array.from({ length: LOGITS }, () => seedRandom.next() * 8));

function stepTimes(format: ResponseFormat, seed: number): number[] {
  const constraint = createGrammarConstraint(format, vocabulary, { maxTokens: MAX_TOKENS, eosTokenIds: EOS_IDS })!;
  const sampler = createSampler({ ...GREEDY, temperature: 1, seed });
  const random = new Random(seed);
  const logits = new Float32Array(LOGITS);
  const tokens: number[] = [];
  const times: number[] = [];
  while (tokens.length < MAX_TOKENS) {
    const source = pool[Math.floor(random.next() * pool.length)]!;
    const shift = Math.floor(random.next() * LOGITS);
    logits.set(source.subarray(shift));
    logits.set(source.subarray(0, shift), LOGITS - shift);
    const context = { promptTokens: [], generatedTokens: tokens };
    const [, ms] = time(() => constraint.apply(logits, context));
    times.push(ms);
    const token = sampler.sample(logits, context);
    if (EOS_IDS.includes(token)) break;
    tokens.push(token);
  }
  return times;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

// Unmeasured passes first, so the figures are of JIT-compiled code (and the format tables'
// token classes, built on first use, are ready: timed separately below).
const [, formatTablesMs] = time(() => {
  for (const name of ['email', 'uuid']) index.tableRuns(FORMATS.get(name)!.table!);
});
for (const formats of Object.values(CLASSES)) for (const format of formats) for (const seed of [100, 101]) stepTimes(format, seed);

const rows = Object.entries(CLASSES).map(([name, formats]) => {
  const times = formats.flatMap((format) => SEEDS.flatMap((seed) => stepTimes(format, seed))).sort((a, b) => a - b);
  return { class: name, steps: times.length, medianMs: quantile(times, 0.5), p99Ms: quantile(times, 0.99), maxMs: times.at(-1)! };
});

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  vocabulary: { size: vocabulary.size, trieNodes: index.all.nodeCount, nonPlainTrieNodes: index.nonPlain.nodeCount, plainTokens: index.plain.count },
  precomputeMs: { parseTokenizerJson: parseMs, vocabulary: vocabularyMs, tokenIndex: indexMs, emailAndUuidTables: formatTablesMs },
  maxTokens: MAX_TOKENS,
  seeds: SEEDS.length,
  perStep: rows,
};

console.log(`precompute: tokenizer.json parse ${parseMs.toFixed(0)} ms, vocabulary ${vocabularyMs.toFixed(0)} ms, token index ${indexMs.toFixed(0)} ms`);
console.log(`  on first use: email and uuid token classes ${formatTablesMs.toFixed(0)} ms`);
console.log(`apply() per step, ${SEEDS.length} seeds x max_tokens ${MAX_TOKENS}, random logits at temperature 1:`);
console.log(`  ${'class'.padEnd(18)} ${'steps'.padStart(6)} ${'median ms'.padStart(10)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
for (const row of rows) {
  console.log(`  ${row.class.padEnd(18)} ${String(row.steps).padStart(6)} ${row.medianMs.toFixed(3).padStart(10)} ${row.p99Ms.toFixed(3).padStart(8)} ${row.maxMs.toFixed(3).padStart(8)}`);
}
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(new URL('grammar.json', OUT_DIR), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench-results/grammar.json');
