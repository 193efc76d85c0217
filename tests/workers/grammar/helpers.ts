// Shared by the grammar tests: Qwen2.5's real vocabulary, an independent validator (ajv with
// ajv-formats, JSON Schema 2020-12), and a generation loop driving a constraint with any logits.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { GrammarConstraint } from '../../../workers/grammar/grammar-constraint.ts';
import { type TokenVocabulary, vocabularyFromTokenizerJson } from '../../../workers/grammar/vocabulary.ts';
import type { Sampler } from '../../../workers/generation/sampler.ts';

/** Qwen2.5's logits row length: the tokenizer's 151,665 ids padded. */
export const QWEN_LOGITS = 151_936;
/** <|im_end|> and <|endoftext|>, as generation_config.json has them. */
export const EOS_IDS = [151_645, 151_643];

const TOKENIZER_JSON = new URL('../../../scripts/forge/qwen2.5/tokenizer.json', import.meta.url);
let vocabulary: TokenVocabulary | undefined;

/** Read once per test file. */
export function qwenTokenizerJson(): unknown {
  return JSON.parse(readFileSync(TOKENIZER_JSON, 'utf8'));
}

export function qwenVocabulary(): TokenVocabulary {
  return (vocabulary ??= vocabularyFromTokenizerJson(qwenTokenizerJson(), QWEN_LOGITS));
}

export function decodeTokens(tokens: readonly number[], vocab: TokenVocabulary = qwenVocabulary()): string {
  const bytes = tokens.flatMap((id) => [...(vocab.tokenBytes[id] ?? [])]);
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

/** ajv's verdict on `text` against `schema`: null when it parses and validates, else why not. */
export function validationProblem(schema: object, text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${String(error)}`;
  }
  const validate = ajv.compile(schema);
  return validate(value) ? null : ajv.errorsText(validate.errors);
}

export interface Generation {
  tokens: number[];
  /** Whether an end-of-sequence token came within the budget. */
  ended: boolean;
}

/** Runs `constraint` first, then `sampler`, on the logits `next()` gives, for at most `maxTokens`
 * tokens or until an end-of-sequence token: the engine's loop with the model swapped out.
 * Each apply()'s milliseconds go to `applyTimes` when given. */
export async function generate(
  constraint: GrammarConstraint,
  sampler: Sampler,
  maxTokens: number,
  next: (tokens: readonly number[]) => Float32Array | Promise<Float32Array>,
  promptTokens: readonly number[] = [],
  applyTimes?: number[],
): Promise<Generation> {
  const tokens: number[] = [];
  while (tokens.length < maxTokens) {
    const logits = await next(tokens);
    const context = { promptTokens, generatedTokens: tokens };
    const started = performance.now();
    constraint.apply(logits, context);
    applyTimes?.push(performance.now() - started);
    const token = sampler.sample(logits, context);
    tokens.push(token);
    if (EOS_IDS.includes(token)) return { tokens: tokens.slice(0, -1), ended: true };
  }
  return { tokens, ended: false };
}
