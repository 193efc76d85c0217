// The benchmarks' forged models, kept apart from the test fixtures in .cache/bench-hub
// (git-ignored): forged once per size, dtype (q4 unless asked) and variant (the Optimum export
// unless asked; 'gqa' is the GroupQueryAttention contract the engine's converter builds), seed 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { forge } from '../forge/forge.ts';
import type { Dtype, Variant } from '../forge/graph-common.ts';
import { defaultRepo, modelFileName, repoDir } from '../forge/hub-layout.ts';
import type { SizeName } from '../forge/model-shape.ts';

export const BENCH_HUB = join(process.cwd(), '.cache', 'bench-hub');

export interface BenchModel {
  size: SizeName;
  repo: string;
  /** The repository's files: config.json, tokenizer.json, onnx/model_q4.onnx, ... */
  dir: string;
  modelPath: string;
}

export function benchModel(size: SizeName, dtype: Extract<Dtype, 'q4' | 'q4f16'> = 'q4', variant: Variant = 'optimum'): BenchModel {
  const repo = defaultRepo(size, variant, 'instruct');
  const dir = repoDir(BENCH_HUB, repo);
  const modelPath = join(dir, 'onnx', modelFileName(dtype));
  if (!existsSync(modelPath)) {
    console.log(`forging ${repo} (${dtype}) into ${BENCH_HUB} …`);
    forge({ size, variant, dtype, kind: 'instruct', seed: 1, out: BENCH_HUB });
  }
  return { size, repo, dir, modelPath };
}
