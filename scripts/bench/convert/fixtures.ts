// The convert bench's checkpoints: Qwen's bf16 layout at the real shapes, forged once per size
// (seed 1) into a cache directory and reused; a stamp written last marks a forge that finished,
// so an interrupted one is forged again rather than read half-written.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forgeOfficial, officialRepo } from '../../forge/official.ts';
import { repoDir } from '../../forge/hub-layout.ts';
import type { SizeName } from '../../forge/model-shape.ts';

const STAMP = '.convert-bench-forged.json';

export interface BenchCheckpoint {
  repo: string;
  dir: string;
  config: Record<string, unknown>;
  index: unknown | null;
  /** The safetensors files (shards or the single file) and their sizes. */
  weights: { file: string; size: number }[];
  sourceBytes: number;
}

export function benchCheckpoint(size: SizeName, out: string): BenchCheckpoint {
  const repo = officialRepo(size, 'instruct', 'bf16');
  const dir = repoDir(out, repo);
  if (!existsSync(join(dir, STAMP))) {
    console.log(`forging ${repo} (bf16) into ${out} …`);
    const started = performance.now();
    const { files } = forgeOfficial({ size, kind: 'instruct', format: 'bf16', seed: 1, out });
    writeFileSync(join(dir, STAMP), JSON.stringify({ files }));
    console.log(`  forged in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const { files } = JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as { files: string[] };
  const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  const weights = files.filter((f) => f.endsWith('.safetensors')).map((file) => ({ file, size: statSync(join(dir, file)).size }));
  return {
    repo,
    dir,
    config: json('config.json'),
    index: files.includes('model.safetensors.index.json') ? json('model.safetensors.index.json') : null,
    weights,
    sourceBytes: weights.reduce((sum, w) => sum + w.size, 0),
  };
}
