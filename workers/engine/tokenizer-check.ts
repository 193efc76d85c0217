// Catches the tutorial's "garbled output" cause before a token is generated: tokenizer files
// that do not belong to the model (another family's tokenizer.json, a vocabulary larger than
// the model's embedding, end-of-sequence ids that are not the tokenizer's special tokens).
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from '../protocol/errors.ts';

const PROBE = 'Hello, 世界! 123';

export function checkTokenizer(tokenizer: PreTrainedTokenizer, config: Record<string, unknown>, generationConfig: Record<string, unknown>, repo: string): void {
  const problems: string[] = [];
  const vocab = config['vocab_size'];
  const vocabulary: unknown = tokenizer.get_vocab();
  const tokens = vocabulary instanceof Map ? vocabulary.size : Object.keys(vocabulary as object).length;
  if (typeof vocab === 'number' && tokens > vocab) problems.push(`the tokenizer has ${tokens} tokens but the model only ${vocab}`);
  const eos = generationConfig['eos_token_id'];
  for (const id of [eos].flat()) {
    if (typeof id !== 'number') continue;
    const token = tokenizer.decode([id], { skip_special_tokens: false });
    if (!tokenizer.all_special_tokens.includes(token)) problems.push(`end-of-sequence id ${id} is "${token}" in this tokenizer, not one of its special tokens`);
  }
  const roundTrip = tokenizer.decode(tokenizer.encode(PROBE, { add_special_tokens: false }), { skip_special_tokens: true });
  if (roundTrip !== PROBE) problems.push(`text does not survive encoding and decoding ("${PROBE}" became "${roundTrip}")`);
  if (problems.length > 0) {
    throw new EngineError(
      'tokenizer_mismatch',
      `The tokenizer files of ${repo} do not match the model (${problems.join('; ')}), so its answers would be garbled. Re-download the model, or use a repository whose tokenizer.json and tokenizer_config.json come from the same Qwen2.5 release.`,
      { repo, problems },
    );
  }
}
