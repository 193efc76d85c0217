// Qwen2.5's tokenizer as the schema bench uses it: the project's copy of tokenizer.json, the
// transformers.js tokenizer that turns instance text into ids (the same ids for every engine),
// and the raw vocabulary list XGrammar's TokenizerInfo takes.
import { readFileSync } from 'node:fs';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { createTokenizer } from '../../../workers/engine/prompt-encoder.ts';

export const TOKENIZER_JSON = new URL('../../forge/qwen2.5/tokenizer.json', import.meta.url);
const TOKENIZER_CONFIG = new URL('../../forge/qwen2.5/tokenizer_config.instruct.json', import.meta.url);
/** The logits row length (config.json's vocab_size): the tokenizer's 151,665 ids padded. */
export const QWEN_LOGITS = 151_936;
/** <|im_end|> and <|endoftext|>, as generation_config.json has them. */
export const EOS_IDS = [151_645, 151_643];

const readJson = (url: URL): Record<string, unknown> => JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;

export function qwenTokenizer(): PreTrainedTokenizer {
  return createTokenizer(readJson(TOKENIZER_JSON), readJson(TOKENIZER_CONFIG));
}

/** Every token as tokenizer.json spells it (byte-level BPE's printable characters), by id. */
export function encodedVocabulary(): string[] {
  const json = readJson(TOKENIZER_JSON) as { model: { vocab: Record<string, number> }; added_tokens: { id: number; content: string }[] };
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(json.model.vocab)) tokens[id] = token;
  for (const { id, content } of json.added_tokens) tokens[id] = content;
  return tokens;
}
