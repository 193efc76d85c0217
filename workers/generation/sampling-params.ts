// The sampling knobs of one request, named as on the OpenAI wire, with the model's defaults
// read from its Hugging Face generation_config.json and the range check shared by the engine
// and the API layer. top_k 0 and min_p 0 mean "off"; temperature 0 means greedy.

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

const RULES = {
  temperature: { rule: 'a number from 0 to 2', holds: (v: number) => v >= 0 && v <= 2 },
  top_k: { rule: 'an integer >= 0 (0 turns it off)', holds: (v: number) => Number.isInteger(v) && v >= 0 },
  top_p: { rule: 'a number above 0 and at most 1', holds: (v: number) => v > 0 && v <= 1 },
  min_p: { rule: 'a number from 0 to 1', holds: (v: number) => v >= 0 && v <= 1 },
  repetition_penalty: { rule: 'a finite number above 0', holds: (v: number) => v > 0 && v < Infinity },
  presence_penalty: { rule: 'a number from -2 to 2', holds: (v: number) => v >= -2 && v <= 2 },
  frequency_penalty: { rule: 'a number from -2 to 2', holds: (v: number) => v >= -2 && v <= 2 },
  seed: { rule: 'a safe integer', holds: (v: number) => Number.isSafeInteger(v) },
} satisfies Record<keyof SamplingParams, { rule: string; holds: (v: number) => boolean }>;

/** One readable sentence per field that is present and out of range; empty when all are fine. */
export function validateSamplingParams(p: Partial<SamplingParams>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(RULES) as (keyof SamplingParams)[]) {
    const value: unknown = p[key];
    if (value === undefined) continue;
    const { rule, holds } = RULES[key];
    if (typeof value !== 'number' || !holds(value)) problems.push(`${key} must be ${rule} (got ${String(value)})`);
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
