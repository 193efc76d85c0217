// The model's sampling defaults, read from its Hugging Face generation_config.json (the knobs
// and their ranges are workers/protocol/sampling-rules.ts).
import { samplingProblems, type SamplingParams } from '../protocol/sampling-rules.ts';

export const GREEDY: SamplingParams = Object.freeze({
  temperature: 0,
  top_k: 0,
  top_p: 1,
  min_p: 0,
  repetition_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
});

/**
 * The model's recommended sampling. As in transformers, a config without `do_sample: true` means
 * greedy decoding; fields that are missing or out of range fall back to neutral values (top_k
 * off, unlike transformers' implicit 50, as vLLM and the OpenAI API do).
 */
export function samplingDefaults(generationConfig: Record<string, unknown>): SamplingParams {
  const read = (key: 'temperature' | 'top_k' | 'top_p' | 'min_p' | 'repetition_penalty'): number | undefined => {
    const value = generationConfig[key];
    return typeof value === 'number' && samplingProblems({ [key]: value }).length === 0 ? value : undefined;
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
