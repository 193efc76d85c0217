// Forges one model repository: builds the graph for (size, variant, dtype), writes it and the
// repo's configs and tokenizer in the hub layout. Same options, byte-identical files.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildGqaGraph } from './graph-gqa.ts';
import { buildOptimumGraph } from './graph-optimum.ts';
import type { Dtype, FloatType, Variant } from './graph-common.ts';
import { defaultRepo, modelFileName, repoDir, writeRepoFiles, type Kind } from './hub-layout.ts';
import { loadConfig, shapeOf, type SizeName } from './model-shape.ts';
import { writeModel } from './onnx-writer.ts';

export interface ForgeOptions {
  size: SizeName;
  variant: Variant;
  dtype: Dtype;
  kind: Kind;
  seed: number;
  /** Root of the hub layout; the repo goes to `<out>/<org>/<name>/resolve/main`. */
  out: string;
  repo?: string;
  /** KV-cache I/O type of q4f16 graphs (fp32 and q4 always use float32). */
  kvType?: FloatType;
  /** Write weights as external data in chunks of at most this many bytes. */
  externalChunkBytes?: number;
  /** optimum only: repeat K/V to every query head (transformers' eager export) instead of grouping. */
  repeatKv?: boolean;
}

export interface ForgeResult {
  repo: string;
  dir: string;
  /** Paths relative to `dir`. */
  files: string[];
}

export const DEFAULT_EXTERNAL_CHUNK_BYTES = 2 * 1024 ** 3 - 2 ** 20;

export function forge(opts: ForgeOptions): ForgeResult {
  const repo = opts.repo ?? defaultRepo(opts.size, opts.variant, opts.kind);
  const dir = repoDir(opts.out, repo);
  const fileName = modelFileName(opts.dtype);
  const kvType: FloatType = opts.dtype === 'q4f16' ? (opts.kvType ?? 'float16') : 'float32';
  if (opts.kvType && opts.kvType !== kvType) throw new Error(`--kv-dtype applies to q4f16 only (${opts.dtype} uses float32)`);

  const graphOptions = { shape: shapeOf(loadConfig(opts.size)), seed: opts.seed, dtype: opts.dtype, kvType, repeatKv: opts.repeatKv };
  const graph = opts.variant === 'gqa' ? buildGqaGraph(graphOptions) : buildOptimumGraph(graphOptions);
  const onnxDir = join(dir, 'onnx');
  removeModelFiles(onnxDir, fileName);
  mkdirSync(onnxDir, { recursive: true });
  const written = writeModel(graph.g, { dir: onnxDir, fileName, externalChunkBytes: opts.externalChunkBytes });
  writeRepoFiles(dir, opts.size, opts.kind, { file: fileName, chunks: written.length - 1 });
  const files = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', ...written.map((f) => `onnx/${f}`)];
  return { repo, dir, files };
}

/** Drops an earlier forge's model file and its external data, so no stale chunk remains. */
function removeModelFiles(onnxDir: string, fileName: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(onnxDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === fileName || name.startsWith(`${fileName}_data`)) rmSync(join(onnxDir, name));
  }
}
