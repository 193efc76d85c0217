// What a checkpoint's linear weights are, read from config.json's quantization_config: Qwen's
// -GPTQ-Int4 (quant_method "gptq", bits 4, group_size 128, desc_act false, sym true), -AWQ
// (quant_method "awq", version "gemm", zero_point true) or, with no quantization_config, the
// bf16 release. Anything else is refused with the repo to use instead.
import { EngineError } from '../protocol/errors.ts';

export type WeightFormat =
  | { kind: 'float' }
  | { kind: 'gptq'; groupSize: number; zerosStoredMinusOne: boolean }
  | { kind: 'awq'; groupSize: number };

export function weightFormat(repo: string, config: Record<string, unknown>): WeightFormat {
  const q = config['quantization_config'] as Record<string, unknown> | undefined;
  if (!q) return { kind: 'float' };
  const method = String(q['quant_method'] ?? 'unknown');
  const bits = q['bits'] ?? q['w_bit'];
  const groupSize = Number(q['group_size'] ?? q['q_group_size']);
  if (method !== 'gptq' && method !== 'awq') throw refuse(repo, `its weights are quantized with ${method}, which this app does not convert`);
  if (bits !== 4) throw refuse(repo, `its weights are ${String(bits)}-bit ${method.toUpperCase()}; this app runs 4-bit weights (the -GPTQ-Int4 or -AWQ release)`);
  if (!Number.isInteger(groupSize) || groupSize <= 0) throw refuse(repo, `its quantization_config has group_size ${String(q['group_size'])}; per-channel (-1) checkpoints are not converted`);
  if (method === 'gptq') {
    const format = String(q['checkpoint_format'] ?? 'gptq');
    if (format !== 'gptq' && format !== 'gptq_v2') throw refuse(repo, `its GPTQ checkpoint_format is ${format}, not gptq or gptq_v2`);
    return { kind: 'gptq', groupSize, zerosStoredMinusOne: format === 'gptq' };
  }
  const version = String(q['version'] ?? 'gemm').toLowerCase();
  if (version !== 'gemm') throw refuse(repo, `its AWQ weights are packed for the ${version} kernel; only GEMM packing (Qwen's -AWQ releases) is converted`);
  if (q['zero_point'] === false) throw refuse(repo, 'its AWQ weights have no zero points; only zero-point AWQ (Qwen\'s -AWQ releases) is converted');
  return { kind: 'awq', groupSize };
}

function refuse(repo: string, why: string): EngineError {
  return new EngineError('model_files_invalid', `Cannot convert ${repo}: ${why}.`, { repo });
}
