// The model's tokens as bytes, which is what the grammar matches: Qwen2.5's tokenizer is
// byte-level BPE, whose vocab spells each byte as one printable character (GPT-2's
// bytes_to_unicode), so a token may hold half a UTF-8 character. Added tokens (<|im_end|>,
// <tool_call>, ...) get no bytes: they never belong to a document, and the end-of-sequence ones
// are let through separately once the document is complete.

export interface TokenVocabulary {
  /** Entries in a logits row, e.g. 151,936 for Qwen2.5: ids past the tokenizer's are padding. */
  readonly size: number;
  /** The bytes of each regular token, by id; undefined for added tokens and padding ids. */
  readonly tokenBytes: readonly (Uint8Array | undefined)[];
  /** Ids of the added tokens (special or not), which a document never contains. */
  readonly specialTokenIds: readonly number[];
}

/** `tokens[id]` is that token's bytes, or undefined for ids no document may use. */
export function vocabularyFromTokenBytes(
  tokens: readonly (Uint8Array | undefined)[],
  size: number,
  specialTokenIds: readonly number[] = [],
): TokenVocabulary {
  const idRange = Math.max(tokens.length, ...specialTokenIds.map((id) => id + 1));
  if (!(Number.isSafeInteger(size) && size >= idRange)) throw new RangeError(`vocabulary size ${size} is below the ${idRange} token ids given`);
  const special = new Set(specialTokenIds);
  const tokenBytes = Array.from({ length: size }, (_, id) => (special.has(id) ? undefined : tokens[id]));
  return { size, tokenBytes, specialTokenIds: [...specialTokenIds] };
}

/**
 * Reads a Hugging Face tokenizer.json of byte-level BPE: `model.vocab` for the regular tokens,
 * `added_tokens` for the rest. `logitsSize` is the model's logits row length (at least the
 * tokenizer's id range); by default the tokenizer's own.
 */
export function vocabularyFromTokenizerJson(json: unknown, logitsSize?: number): TokenVocabulary {
  const model = field(json, 'model');
  const vocab = field(model, 'vocab');
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new TypeError('tokenizer.json has no model.vocab object');
  }
  const addedTokens = field(json, 'added_tokens') ?? [];
  if (!Array.isArray(addedTokens)) throw new TypeError('tokenizer.json added_tokens is not an array');

  const specialTokenIds = addedTokens.map((token: unknown) => {
    const id = field(token, 'id');
    if (!isTokenId(id)) throw new TypeError(`tokenizer.json has an added token without a valid id: ${JSON.stringify(token)}`);
    return id;
  });
  const byteOf = unicodeToByte();
  const tokens: (Uint8Array | undefined)[] = [];
  for (const [text, id] of Object.entries(vocab as Record<string, unknown>)) {
    if (!isTokenId(id)) throw new TypeError(`tokenizer.json vocab entry ${JSON.stringify(text)} has no valid id`);
    tokens[id] = decodeByteLevel(text, byteOf);
  }
  return vocabularyFromTokenBytes(tokens, logitsSize ?? Math.max(tokens.length, ...specialTokenIds.map((id) => id + 1)), specialTokenIds);
}

function decodeByteLevel(text: string, byteOf: Int16Array): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    const byte = code < byteOf.length ? byteOf[code]! : -1;
    if (byte < 0) throw new TypeError(`token ${JSON.stringify(text)} is not byte-level BPE (character U+${code.toString(16)})`);
    bytes[at] = byte;
  }
  return bytes;
}

/** GPT-2's bytes_to_unicode, inverted (by UTF-16 code unit; -1 for none): printable Latin-1
 * bytes stand for themselves, and the other 68 bytes, in order, for U+0100 onwards. */
function unicodeToByte(): Int16Array {
  const byteOf = new Int16Array(256 + 68).fill(-1);
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    byteOf[printable ? byte : 256 + shifted++] = byte;
  }
  return byteOf;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function isTokenId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
