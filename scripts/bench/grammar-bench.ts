// Times the structured-output grammar on Qwen2.5's real vocabulary: the one-off precompute per
// model (tokenizer.json to vocabulary, then the token index), and the per-step cost of
// GrammarConstraint.apply() (mask computed and written into the 151,936 logits) by schema
// class, over generations driven by random logits through the project's sampler at temperature
// 1; then decode tokens/s of a forged model with and without it. Prints tables and writes
// bench-results/grammar.json.
//   npm run bench:grammar
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { ensureFixtures, fixture, fixtureDir } from '../forge/fixture-set.ts';
import { formatAutomaton } from '../../workers/grammar/formats.ts';
import { createGrammarConstraint } from '../../workers/grammar/grammar-constraint.ts';
import type { ResponseFormat } from '../../workers/protocol/response-format.ts';
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
  formats: [
    schema(object({ at: { type: 'string', format: 'date-time' }, id: { type: 'string', format: 'uuid' }, email: { type: 'string', format: 'email' } })),
    schema(object({ home: { type: 'string', format: 'uri' }, host: { type: 'string', format: 'hostname' }, ip: { type: 'string', format: 'ipv6' }, took: { type: 'string', format: 'duration' } })),
  ],
  patterns: [
    schema(object({ phone: { type: 'string', pattern: '^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$' }, slug: { type: 'string', pattern: '^[a-z0-9-]+$' }, state: { type: 'string', pattern: '^[A-Z]{2}$' } })),
    schema(object({ note: { type: 'string', pattern: '.*\\S.*' }, link: { type: 'string', pattern: '^https?://' } })),
    schema(object({ text: { type: 'string', pattern: '^.*$', maxLength: 120 }, name: { type: 'string', pattern: '^\\p{L}[\\p{L} ]*$' } })),
  ],
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

// Unmeasured passes first, so the figures are of JIT-compiled code (and the automata's token
// classes, built per state on first use, are ready: the email and uuid start states' are timed).
const [, formatTablesMs] = time(() => {
  for (const name of ['email', 'uuid']) index.automatonRuns(formatAutomaton(name)!.dfa, 0);
});
for (const formats of Object.values(CLASSES)) for (const format of formats) for (const seed of [100, 101]) stepTimes(format, seed);

const rows = Object.entries(CLASSES).map(([name, formats]) => {
  const times = formats.flatMap((format) => SEEDS.flatMap((seed) => stepTimes(format, seed))).sort((a, b) => a - b);
  return { class: name, steps: times.length, medianMs: quantile(times, 0.5), p99Ms: quantile(times, 0.99), maxMs: times.at(-1)! };
});

// End to end: the forged tiny Qwen2.5 (full vocabulary, 4 layers) decoding on onnxruntime-node,
// one thread, with and without the constraint. The tiny model's step is a few ms, so this is
// the grammar's largest possible share; on a 0.5B model the step is 100x longer.
async function decodeTokensPerSecond(format: ResponseFormat | null, steps: number): Promise<number> {
  const T = ortNode.Tensor;
  const layers = session.inputNames.filter((n) => n.startsWith('past_key_values.')).length / 2;
  let feeds: Record<string, ortNode.Tensor> = {};
  for (let i = 0; i < layers; i++) {
    for (const which of ['key', 'value']) feeds[`past_key_values.${i}.${which}`] = new T('float32', new Float32Array(0), [1, 2, 0, 32]);
  }
  const newConstraint = () => format && createGrammarConstraint(format, vocabulary, { maxTokens: MAX_TOKENS, eosTokenIds: EOS_IDS });
  let constraint = newConstraint();
  const sampler = createSampler({ ...GREEDY, temperature: 1, seed: 5 });
  let tokens: number[] = [];
  let ids = [151644, 872, 198, 9707];
  let past = 0;
  let started = 0;
  for (let step = 0; step <= steps; step++) {
    if (step === 1) started = performance.now(); // the prompt's pass is not decoding
    const out = await session.run({
      ...feeds,
      input_ids: new T('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new T('int64', new BigInt64Array(past + ids.length).fill(1n), [1, past + ids.length]),
      position_ids: new T('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]),
    });
    past += ids.length;
    feeds = {};
    for (let i = 0; i < layers; i++) for (const which of ['key', 'value']) feeds[`past_key_values.${i}.${which}`] = out[`present.${i}.${which}`]!;
    const all = out['logits']!.data as Float32Array;
    const logits = all.slice(all.length - LOGITS);
    const context = { promptTokens: [], generatedTokens: tokens };
    constraint?.apply(logits, context);
    const token = sampler.sample(logits, context);
    // A finished document (or free text's end) starts the next one, so every run decodes the
    // same number of steps.
    if (EOS_IDS.includes(token)) {
      ids = [198];
      tokens = [];
      constraint = newConstraint();
    } else {
      ids = [token];
      tokens.push(token);
    }
  }
  return (steps * 1000) / (performance.now() - started);
}

ensureFixtures();
const tiny = join(fixtureDir(fixture('optimum-q4')), 'onnx', 'model_q4.onnx');
const session = await ortNode.InferenceSession.create(tiny, { intraOpNumThreads: 1 });
const E2E_STEPS = 96;
await decodeTokensPerSecond(null, 8); // warm-up
const e2eFormats: [string, ResponseFormat | null][] = [
  ['unconstrained', null],
  ['json_object', { type: 'json_object' }],
  ['weather schema', CLASSES['flat object']![0]!],
  ['recursive tree', CLASSES['nested/recursive']![0]!],
];
const endToEnd: { format: string; tokensPerSecond: number }[] = [];
for (const [name, format] of e2eFormats) endToEnd.push({ format: name, tokensPerSecond: await decodeTokensPerSecond(format, E2E_STEPS) });
await session.release();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  vocabulary: { size: vocabulary.size, trieNodes: index.all.nodeCount, nonPlainTrieNodes: index.nonPlain.nodeCount, plainTokens: index.plain.count },
  precomputeMs: { parseTokenizerJson: parseMs, vocabulary: vocabularyMs, tokenIndex: indexMs, emailAndUuidStartClasses: formatTablesMs },
  maxTokens: MAX_TOKENS,
  seeds: SEEDS.length,
  perStep: rows,
  endToEnd: { model: 'forged tiny Qwen2.5 q4 (full vocabulary), onnxruntime-node, 1 thread', steps: E2E_STEPS, runs: endToEnd },
};

console.log(`precompute: tokenizer.json parse ${parseMs.toFixed(0)} ms, vocabulary ${vocabularyMs.toFixed(0)} ms, token index ${indexMs.toFixed(0)} ms`);
console.log(`  on first use: email and uuid start states' token classes ${formatTablesMs.toFixed(0)} ms`);
console.log(`apply() per step, ${SEEDS.length} seeds x max_tokens ${MAX_TOKENS}, random logits at temperature 1:`);
console.log(`  ${'class'.padEnd(18)} ${'steps'.padStart(6)} ${'median ms'.padStart(10)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
for (const row of rows) {
  console.log(`  ${row.class.padEnd(18)} ${String(row.steps).padStart(6)} ${row.medianMs.toFixed(3).padStart(10)} ${row.p99Ms.toFixed(3).padStart(8)} ${row.maxMs.toFixed(3).padStart(8)}`);
}
const free = endToEnd[0]!.tokensPerSecond;
console.log(`end-to-end decode, ${result.endToEnd.model}, ${E2E_STEPS} steps:`);
for (const run of endToEnd) {
  // Masked logits leave the sampler few candidates, which can make a constrained step cheaper.
  const overhead = run === endToEnd[0] ? '' : `  (${(run.tokensPerSecond / free).toFixed(2)}x the unconstrained rate)`;
  console.log(`  ${run.format.padEnd(16)} ${run.tokensPerSecond.toFixed(1).padStart(7)} tok/s${overhead}`);
}
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(new URL('grammar.json', OUT_DIR), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench-results/grammar.json');
