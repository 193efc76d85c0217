// The forged models the tests use, and a content-addressed cache so `forge:fixtures` only
// rebuilds what changed: a fixture is rebuilt when the forge's sources or its options change.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forge, type ForgeOptions, type ForgeResult } from './forge.ts';
import { defaultRepo, repoDir } from './hub-layout.ts';
import { forgeOfficial, officialRepo, type OfficialOptions } from './official.ts';

export const HUB_ROOT = fileURLToPath(new URL('../../e2e/fixtures/hub/', import.meta.url));
const FORGE_DIR = fileURLToPath(new URL('./', import.meta.url));
const CACHE_DIR = join(HUB_ROOT, '.forge-cache');

export type FixtureSpec = Omit<ForgeOptions, 'out'> & { id: string };

const tiny = { size: 'tiny', kind: 'instruct', seed: 1 } as const;

export const FIXTURES: readonly FixtureSpec[] = [
  { id: 'optimum-fp32', ...tiny, variant: 'optimum', dtype: 'fp32' },
  { id: 'optimum-q4', ...tiny, variant: 'optimum', dtype: 'q4' },
  { id: 'optimum-q4f16', ...tiny, variant: 'optimum', dtype: 'q4f16' },
  { id: 'gqa-fp32', ...tiny, variant: 'gqa', dtype: 'fp32' },
  { id: 'gqa-q4', ...tiny, variant: 'gqa', dtype: 'q4' },
  { id: 'gqa-q4f16', ...tiny, variant: 'gqa', dtype: 'q4f16' },
  // q4f16 with float32 KV I/O, as exports with keep_io_types have it.
  { id: 'optimum-q4f16-kv32', ...tiny, variant: 'optimum', dtype: 'q4f16', kvType: 'float32', repo: 'qwen-local-forge/Qwen2.5-Tiny-Instruct-KV32' },
  // External data split into several chunks, as the large real builds are.
  { id: 'optimum-q4-external', ...tiny, variant: 'optimum', dtype: 'q4', externalChunkBytes: 32 * 2 ** 20, repo: 'qwen-local-forge/Qwen2.5-Tiny-Instruct-ExternalData' },
  // The base (pretrained) sibling: base tokenizer/generation configs, its own weights.
  { id: 'base-optimum-q4', ...tiny, kind: 'base', seed: 2, variant: 'optimum', dtype: 'q4' },
];

export type OfficialFixtureSpec = Omit<OfficialOptions, 'out'> & { id: string };

/** Qwen's own release layouts (safetensors), from the same seeds as the ONNX fixtures. */
export const OFFICIAL_FIXTURES: readonly OfficialFixtureSpec[] = [
  { id: 'official-gptq', size: 'tiny', kind: 'instruct', seed: 1, format: 'gptq' },
  { id: 'official-awq', size: 'tiny', kind: 'instruct', seed: 1, format: 'awq' },
  { id: 'official-bf16', size: 'tiny', kind: 'instruct', seed: 1, format: 'bf16' },
  // Shards with an index, as the larger releases are published.
  { id: 'official-gptq-sharded', size: 'tiny', kind: 'instruct', seed: 1, format: 'gptq', shardBytes: 16 * 2 ** 20, repo: 'qwen-local-official/Qwen2.5-Tiny-Instruct-GPTQ-Int4-Sharded' },
];

export function officialFixture(id: string): OfficialFixtureSpec {
  const f = OFFICIAL_FIXTURES.find((x) => x.id === id);
  if (!f) throw new Error(`no official fixture ${id}`);
  return f;
}

export function officialFixtureRepo(f: OfficialFixtureSpec): string {
  return f.repo ?? officialRepo(f.size, f.kind, f.format);
}

export function officialFixtureDir(f: OfficialFixtureSpec, hubRoot = HUB_ROOT): string {
  return repoDir(hubRoot, officialFixtureRepo(f));
}

export function fixture(id: string): FixtureSpec {
  const f = FIXTURES.find((x) => x.id === id);
  if (!f) throw new Error(`no fixture ${id}`);
  return f;
}

export function fixtureRepo(f: FixtureSpec): string {
  return f.repo ?? defaultRepo(f.size, f.variant, f.kind);
}

export function fixtureDir(f: FixtureSpec, hubRoot = HUB_ROOT): string {
  return repoDir(hubRoot, fixtureRepo(f));
}

interface CacheStamp {
  key: string;
  files: Record<string, number>;
}

/** Forges every fixture whose cache key or files changed; returns the ids rebuilt. */
export function ensureFixtures(log: (line: string) => void = () => {}): string[] {
  const sources = sourceDigest();
  mkdirSync(CACHE_DIR, { recursive: true });
  const rebuilt: string[] = [];
  const all = [...FIXTURES.map((f) => ({ spec: f, dir: fixtureDir(f), make: () => forge({ ...f, out: HUB_ROOT }) })), ...OFFICIAL_FIXTURES.map((f) => ({ spec: f, dir: officialFixtureDir(f), make: () => forgeOfficial({ ...f, out: HUB_ROOT }) }))];
  for (const { spec: f, dir, make } of all) {
    const key = createHash('sha256').update(sources).update(JSON.stringify(f)).digest('hex');
    const stampPath = join(CACHE_DIR, `${f.id}.json`);
    if (isFresh(stampPath, key, dir)) continue;
    const started = performance.now();
    const result: Pick<ForgeResult, 'repo' | 'files'> = make();
    const files = Object.fromEntries(result.files.map((p) => [p, statSync(join(dir, p)).size]));
    writeFileSync(stampPath, JSON.stringify({ key, files } satisfies CacheStamp, null, 2));
    rebuilt.push(f.id);
    log(`forged ${f.id} (${result.repo}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return rebuilt;
}

function isFresh(stampPath: string, key: string, dir: string): boolean {
  if (!existsSync(stampPath)) return false;
  const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as CacheStamp;
  if (stamp.key !== key) return false;
  return Object.entries(stamp.files).every(([p, size]) => existsSync(join(dir, p)) && statSync(join(dir, p)).size === size);
}

/** Hash of every file the forge reads or runs, so any change to it invalidates the cache. */
function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(FORGE_DIR, path)).update(readFileSync(path));
    }
  };
  walk(FORGE_DIR);
  return hash.digest('hex');
}
