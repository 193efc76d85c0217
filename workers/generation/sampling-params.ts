// The sampling knobs of one request, named as on the OpenAI wire, with the model's defaults
// read from its Hugging Face generation_config.json and the range check shared by the engine
// and the API layer (the ranges are workers/protocol/sampling-bounds.ts). top_k 0 and min_p 0
// mean "off"; temperature 0 means greedy, and top_p 0 keeps only the most likely token.
import { SAMPLING_BOUNDS, checkBound, describeBound, type SamplingField } from '../protocol/sampling-bounds.ts';

export interface SamplingParams {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repetition_penalty: number;
  presence_penalty: number;
  frequency_penalty: number;
  seed?: number;
}

export const GREEDY: SamplingParams = Object.freeze({
  temperature: 0,
  top_k: 0,
  top_p: 1,
  min_p: 0,
  repetition_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
});

/** One readable sentence per field that is present and out of range; empty when all are fine. */
export function validateSamplingParams(p: Partial<SamplingParams>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(SAMPLING_BOUNDS) as SamplingField[]) {
    const value: unknown = p[key];
    if (value !== undefined && checkBound(SAMPLING_BOUNDS[key], value) !== null) problems.push(`${key} must be ${describeBound(key)} (got ${String(value)})`);
  }
  return problems;
}

/**
 * The model's recommended sampling. As in transformers, a config without `do_sample: true` means
 * greedy decoding; fields that are missing or out of range fall back to neutral values (top_k
 * off, unlike transformers' implicit 50, as vLLM and the OpenAI API do).
 */
export function samplingDefaults(generationConfig: Record<string, unknown>): SamplingParams {
  const read = (key: 'temperature' | 'top_k' | 'top_p' | 'min_p' | 'repetition_penalty'): number | undefined => {
    const value = generationConfig[key];
    return typeof value === 'number' && validateSamplingParams({ [key]: value }).length === 0 ? value : undefined;
  };
  const repetition_penalty = read('repetition_penalty') ?? GREEDY.repetition_penalty;
  if (generationConfig['do_sample'] !== true) return { ...GREEDY, repetition_penalty };
  return {
    ...GREEDY,
    temperature: read('temperature') ?? 1,
    top_k: read('top_k') ?? GREEDY.top_k,
    top_p: read('top_p') ?? GREEDY.top_p,
    min_p: read('min_p') ?? GREEDY.min_p,
    repetition_penalty,
  };
}
