// Shown: tokenizer.json's byte-level vocab decodes to each token's bytes, including tokens that
// hold part of a UTF-8 character (龘 is two tokens, E9 BE + 98); added tokens and the padding
// ids up to the logits length have none.
import { describe, expect, it } from 'vitest';
import { vocabularyFromTokenBytes, vocabularyFromTokenizerJson } from '../../../workers/grammar/vocabulary.ts';
import { QWEN_LOGITS, qwenVocabulary } from './helpers.ts';

const utf8 = (text: string): number[] => [...new TextEncoder().encode(text)];

describe('vocabularyFromTokenizerJson on Qwen2.5', () => {
  const vocab = qwenVocabulary();
  const bytesOf = (id: number): number[] | undefined => {
    const bytes = vocab.tokenBytes[id];
    return bytes && [...bytes];
  };

  it('spans the logits row, the ids past the tokenizer padded', () => {
    expect(vocab.size).toBe(QWEN_LOGITS);
    expect(vocab.tokenBytes).toHaveLength(QWEN_LOGITS);
    expect(vocab.tokenBytes.filter((bytes) => bytes !== undefined)).toHaveLength(151_643);
    for (const id of [151_665, 151_800, QWEN_LOGITS - 1]) expect(bytesOf(id)).toBeUndefined();
  });

  it('gives added tokens, special or not, no bytes', () => {
    expect(vocab.specialTokenIds).toHaveLength(22);
    for (const id of [151_643, 151_645, 151_657]) {
      expect(vocab.specialTokenIds).toContain(id);
      expect(bytesOf(id)).toBeUndefined();
    }
  });

  it('maps byte-level characters back to bytes', () => {
    expect(bytesOf(220)).toEqual([0x20]); // 'Ġ'
    expect(bytesOf(4913)).toEqual(utf8('{"'));
    expect(bytesOf(108_386)).toEqual(utf8('你好'));
    expect(bytesOf(104_273)).toEqual(utf8('温度'));
  });

  it('keeps tokens that split a character as the raw partial bytes', () => {
    expect(bytesOf(82_912)).toEqual([0xe9, 0xbe]);
    expect(bytesOf(246)).toEqual([0x98]);
    expect(new TextDecoder().decode(Uint8Array.from([...bytesOf(82_912)!, ...bytesOf(246)!]))).toBe('龘');
    expect(bytesOf(160)).toEqual([0xe4]); // a lone lead byte
  });
});

describe('vocabulary checks', () => {
  it('rejects a tokenizer that is not byte-level', () => {
    const json = { model: { vocab: { a: 0, 中: 1 } }, added_tokens: [] };
    expect(() => vocabularyFromTokenizerJson(json)).toThrow(/not byte-level BPE/);
  });

  it('rejects a logits size below the tokenizer ids', () => {
    const json = { model: { vocab: { a: 0, b: 1 } }, added_tokens: [{ id: 2, content: '<s>' }] };
    expect(vocabularyFromTokenizerJson(json).size).toBe(3);
    expect(() => vocabularyFromTokenizerJson(json, 2)).toThrow(RangeError);
  });

  it('builds from a plain list of token bytes', () => {
    const vocab = vocabularyFromTokenBytes([Uint8Array.of(0x61), Uint8Array.of(0x62)], 4, [1]);
    expect(vocab.tokenBytes.map((bytes) => bytes && [...bytes])).toEqual([[0x61], undefined, undefined, undefined]);
  });
});
