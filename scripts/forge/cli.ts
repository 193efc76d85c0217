// `npm run forge -- --size tiny --variant optimum --dtype q4 --kind instruct --seed 1 --out <dir>`
import { parseArgs } from 'node:util';
import { DTYPES, VARIANTS, type Dtype, type FloatType, type Variant } from './graph-common.ts';
import { DEFAULT_EXTERNAL_CHUNK_BYTES, forge } from './forge.ts';
import type { Kind } from './hub-layout.ts';
import { SIZES, type SizeName } from './model-shape.ts';

const USAGE = `usage: npm run forge -- --out DIR [--size ${SIZES.join('|')}] [--variant ${VARIANTS.join('|')}]
  [--dtype ${DTYPES.join('|')}] [--kind instruct|base] [--seed N] [--kv-dtype fp16|fp32]
  [--external-data] [--chunk-mb N] [--repo ORG/NAME]`;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${name} must be one of ${allowed.join(', ')} (got ${value})`);
  return value as T;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'tiny' },
      variant: { type: 'string', default: 'optimum' },
      dtype: { type: 'string', default: 'q4' },
      kind: { type: 'string', default: 'instruct' },
      seed: { type: 'string', default: '1' },
      'kv-dtype': { type: 'string' },
      'external-data': { type: 'boolean', default: false },
      'chunk-mb': { type: 'string' },
      repo: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  const chunkMb = values['chunk-mb'] === undefined ? undefined : Number(values['chunk-mb']);
  if (chunkMb !== undefined && !(chunkMb > 0)) throw new Error('--chunk-mb must be positive');
  const kv = values['kv-dtype'] === undefined ? undefined : oneOf('kv-dtype', values['kv-dtype'], ['fp16', 'fp32'] as const);
  const started = performance.now();
  const result = forge({
    size: oneOf<SizeName>('size', values.size, SIZES),
    variant: oneOf<Variant>('variant', values.variant, VARIANTS),
    dtype: oneOf<Dtype>('dtype', values.dtype, DTYPES),
    kind: oneOf<Kind>('kind', values.kind, ['instruct', 'base']),
    seed,
    out: values.out,
    repo: values.repo,
    kvType: kv === undefined ? undefined : ({ fp16: 'float16', fp32: 'float32' } as const satisfies Record<string, FloatType>)[kv],
    externalChunkBytes: values['external-data'] || chunkMb ? (chunkMb ? chunkMb * 2 ** 20 : DEFAULT_EXTERNAL_CHUNK_BYTES) : undefined,
  });
  console.log(`forged ${result.repo} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.dir}`);
  for (const f of result.files) console.log(`  ${f}`);
}

try {
  main();
} catch (error) {
  console.error(`forge: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
