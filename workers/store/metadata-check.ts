// What each small file of a model must be before the model can be ready: JSON of the shape the
// engine reads, not an error or login page a host served in its place (an HTML page with 200 is
// what a proxy, a captive portal or a SPA fallback for a missing /models/ file gives).
import { EngineError } from '../protocol/errors.ts';

/** config.json numbers the engine sizes the model by. */
const CONFIG_NUMBERS = ['num_hidden_layers', 'hidden_size', 'num_attention_heads', 'num_key_value_heads', 'vocab_size', 'max_position_embeddings'] as const;

/** The parsed file when it is what `path` must be; throws model_files_invalid naming the file and the host. */
export function checkMetadataFile(path: string, bytes: Uint8Array, host: string): Record<string, unknown> {
  const text = new TextDecoder().decode(bytes);
  const refuse = (what: string): EngineError =>
    new EngineError('model_files_invalid', `${path} from ${host} ${what}: the repository is not a compatible model, or the host served something else in its place. Check the repository id, or pick another model source.`, { file: path, host });
  if (/^\s*</.test(text)) throw refuse('is an HTML page, not JSON (an error or sign-in page)');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse('is not a JSON object');
  const json = value as Record<string, unknown>;
  if (path === 'config.json') {
    if (typeof json['model_type'] !== 'string') throw refuse('has no model_type');
    const missing = CONFIG_NUMBERS.filter((key) => !(Number.isSafeInteger(json[key]) && (json[key] as number) > 0));
    if (missing.length > 0) throw refuse(`lacks ${missing.join(', ')}`);
  }
  if (path === 'tokenizer.json') {
    const model = json['model'] as Record<string, unknown> | undefined;
    const vocab = model?.['vocab'];
    if (typeof model !== 'object' || model === null || typeof vocab !== 'object' || vocab === null || Object.keys(vocab).length === 0) throw refuse('has no tokenizer model with a vocabulary');
  }
  return json;
}
