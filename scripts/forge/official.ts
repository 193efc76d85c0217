// Forges a repository in the layout of Qwen's own releases: `config.json` (with Qwen's
// quantization_config for the 4-bit ones), `generation_config.json`, the tokenizer files, and
// `model.safetensors` or shards `model-0000i-of-0000n.safetensors` with
// `model.safetensors.index.json`. The weights are the forge's (same seed, same values as the
// ONNX fixtures before their 4-bit packing): bf16 as Qwen2.5-* has them, or re-quantized in
// groups of 128 and packed as -GPTQ-Int4 and -AWQ are (see official-packers.ts).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RELEASE_GROUP_SIZE } from '../../workers/protocol/model-size.ts';
import { toHalfArray } from './fp16.ts';
import { writeRepoFiles, repoDir, type Kind } from './hub-layout.ts';
import { loadConfig, shapeOf, type SizeName } from './model-shape.ts';
import { packAwq, packGptq, type PackedLinear } from './official-packers.ts';
import { planParams, type ParamSpec } from './param-plan.ts';
import { bytesOf, tensorBytes, toBf16Bytes, writeSafetensors, type StTensor } from './safetensors-writer.ts';
import { WeightSource, dequantize } from './weights.ts';

export const OFFICIAL_FORMATS = ['bf16', 'gptq', 'awq'] as const;
export type OfficialFormat = (typeof OFFICIAL_FORMATS)[number];

/** Qwen's quantization_config of Qwen2.5-*-Instruct-GPTQ-Int4 and -AWQ. */
const QUANTIZATION_CONFIG: Record<Exclude<OfficialFormat, 'bf16'>, Record<string, unknown>> = {
  gptq: { bits: 4, damp_percent: 0.01, desc_act: false, group_size: RELEASE_GROUP_SIZE, modules_in_block_to_quantize: null, quant_method: 'gptq', static_groups: false, sym: true, true_sequential: true },
  awq: { bits: 4, group_size: RELEASE_GROUP_SIZE, modules_to_not_convert: null, quant_method: 'awq', version: 'gemm', zero_point: true },
};

export interface OfficialOptions {
  size: SizeName;
  kind: Kind;
  format: OfficialFormat;
  seed: number;
  /** Root of the hub layout. */
  out: string;
  repo?: string;
  /** Split into shards of at most this many bytes (a larger tensor gets its own). */
  shardBytes?: number;
}

export function officialRepo(size: SizeName, kind: Kind, format: OfficialFormat): string {
  // Tiny fixtures get an org of their own, as Qwen's releases live apart from onnx-community's exports.
  const org = size === 'tiny' ? 'qwen-local-official' : 'Qwen';
  const name = `Qwen2.5-${size === 'tiny' ? 'Tiny' : size}${kind === 'instruct' ? '-Instruct' : ''}`;
  return `${org}/${name}${{ bf16: '', gptq: '-GPTQ-Int4', awq: '-AWQ' }[format]}`;
}

/** Writes the repo; returns its directory and the paths written, relative to it. */
export function forgeOfficial(opts: OfficialOptions): { repo: string; dir: string; files: string[] } {
  const repo = opts.repo ?? officialRepo(opts.size, opts.kind, opts.format);
  const dir = repoDir(opts.out, repo);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.startsWith('model')) rmSync(join(dir, name));
  const tensors = officialTensors(opts);
  const shards = splitShards(tensors, opts.shardBytes ?? Infinity);
  const weightFiles = shards.length === 1 ? ['model.safetensors'] : shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  let total = 0;
  shards.forEach((shard, i) => {
    writeSafetensors(join(dir, weightFiles[i]!), shard);
    total += shard.reduce((sum, t) => sum + tensorBytes(t), 0);
  });
  if (shards.length > 1) {
    const weightMap = Object.fromEntries(shards.flatMap((shard, i) => shard.map((t) => [t.name, weightFiles[i]!])).sort(([a], [b]) => a!.localeCompare(b!)));
    writeFileSync(join(dir, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)}\n`);
    weightFiles.push('model.safetensors.index.json');
  }
  const quantization = opts.format === 'bf16' ? null : QUANTIZATION_CONFIG[opts.format];
  writeRepoFiles(dir, opts.size, opts.kind, null, {
    torch_dtype: opts.format === 'bf16' ? 'bfloat16' : 'float16',
    ...(quantization ? { quantization_config: quantization } : {}),
  });
  return { repo, dir, files: ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', ...weightFiles] };
}

function officialTensors(opts: OfficialOptions): StTensor[] {
  const shape = shapeOf(loadConfig(opts.size));
  const weights = new WeightSource(opts.seed, shape);
  const floatType = opts.format === 'bf16' ? 'BF16' : 'F16';
  const floatBytes = (v: Float32Array): Uint8Array => (floatType === 'BF16' ? toBf16Bytes(v) : bytesOf(toHalfArray(v)));
  const float = (name: string, dims: number[], values: () => Float32Array): StTensor => ({ name, dtype: floatType, shape: dims, produce: () => floatBytes(values()) });
  let last: { prefix: string; packed: PackedLinear & { gIdx?: Int32Array } } | null = null;
  const packed = (spec: ParamSpec, prefix: string): PackedLinear & { gIdx?: Int32Array } => {
    if (last?.prefix !== prefix) {
      const [n, k] = spec.shape as [number, number];
      const w = dequantize(weights.matrix(spec));
      last = { prefix, packed: opts.format === 'gptq' ? packGptq(w, n, k, RELEASE_GROUP_SIZE) : packAwq(w, n, k, RELEASE_GROUP_SIZE) };
    }
    return last.packed;
  };

  const out: StTensor[] = [];
  for (const spec of planParams(shape)) {
    const quantized = opts.format !== 'bf16' && spec.kind === 'linear' && spec.name !== 'lm_head.weight';
    if (!quantized) {
      const values = spec.kind === 'embedding' || spec.kind === 'linear' ? () => dequantize(weights.matrix(spec)) : () => weights.vector(spec);
      out.push(float(spec.name, spec.shape, values));
      continue;
    }
    const [n, k] = spec.shape as [number, number];
    const prefix = spec.name.replace(/\.weight$/, '');
    const groups = k / RELEASE_GROUP_SIZE;
    const int = (suffix: string, dims: number[], pick: (p: PackedLinear & { gIdx?: Int32Array }) => Int32Array): StTensor => ({
      name: `${prefix}.${suffix}`,
      dtype: 'I32',
      shape: dims,
      produce: () => bytesOf(pick(packed(spec, prefix))),
    });
    const gptq = opts.format === 'gptq';
    out.push(int('qweight', gptq ? [k / 8, n] : [k, n / 8], (p) => p.qweight));
    out.push(int('qzeros', [groups, n / 8], (p) => p.qzeros));
    out.push({ name: `${prefix}.scales`, dtype: 'F16', shape: [groups, n], produce: () => bytesOf(toHalfArray(packed(spec, prefix).scales)) });
    if (gptq) out.push(int('g_idx', [k], (p) => p.gIdx!));
  }
  return out;
}

function splitShards(tensors: StTensor[], limit: number): StTensor[][] {
  const shards: StTensor[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    if (size > 0 && size + bytes > limit) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1]!.push(t);
    size += bytes;
  }
  return shards;
}

function pad(i: number): string {
  return String(i).padStart(5, '0');
}
