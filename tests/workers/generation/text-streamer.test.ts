// Shown: with a byte-level decoder (each token id is raw UTF-8 bytes, decoded by TextDecoder,
// which yields U+FFFD for a partial character), TextStreamer never emits a split character, its
// deltas join to exactly the full decoding, and it decodes short windows rather than everything.
import { describe, expect, it } from 'vitest';
import { Random } from '../../../workers/generation/random.ts';
import { TextStreamer } from '../../../workers/generation/text-streamer.ts';

const utf8 = (text: string): number[] => Array.from(new TextEncoder().encode(text));

/** A fake tokenizer whose vocabulary is the given byte strings; records decoded window sizes. */
function byteVocabulary(tokens: readonly (readonly number[])[]) {
  const windows: number[] = [];
  const decode = (ids: readonly number[]): string => {
    windows.push(ids.length);
    return new TextDecoder().decode(Uint8Array.from(ids.flatMap((id) => tokens[id]!)));
  };
  return { decode, windows };
}

function stream(decode: (ids: readonly number[]) => string, ids: readonly number[]): { deltas: string[]; tail: string; text: string } {
  const streamer = new TextStreamer(decode);
  const deltas = ids.map((id) => streamer.push(id));
  const tail = streamer.flush();
  return { deltas, tail, text: streamer.text };
}

// 你 = E4 BD A0, 好 = E5 A5 BD, 😀 = F0 9F 98 80
const TOKENS = [
  utf8('Hello'), // 0
  utf8(' '), // 1
  [0xe4, 0xbd], // 2: first two bytes of 你
  [0xa0], // 3: its last byte
  utf8('好'), // 4
  [0xf0], // 5: emoji, byte 1
  [0x9f, 0x98], // 6: bytes 2-3
  [0x80], // 7: byte 4
  utf8('!'), // 8
  [0xe4], // 9: 你 byte 1
  [0xbd, 0xa0, 0xe5], // 10: rest of 你 and the start of 好
  [0xa5, 0xbd, 0x41], // 11: rest of 好, then "A"
  utf8('A'), // 12
];

describe('TextStreamer', () => {
  it('holds a Chinese character and an emoji until their last byte arrives', () => {
    const { decode } = byteVocabulary(TOKENS);
    const { deltas, tail, text } = stream(decode, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(deltas).toEqual(['Hello', ' ', '', '你', '好', '', '', '😀', '!']);
    expect(tail).toBe('');
    expect(text).toBe('Hello 你好😀!');
  });

  it('emits complete characters from a token that also starts the next one', () => {
    const { decode } = byteVocabulary(TOKENS);
    const { deltas, text } = stream(decode, [9, 10, 11]);
    expect(deltas).toEqual(['', '你', '好A']);
    expect(text).toBe('你好A');
  });

  it('passes on a genuinely invalid sequence once text follows it, and flushes a partial tail', () => {
    const { decode } = byteVocabulary(TOKENS);
    const { deltas, tail, text } = stream(decode, [9, 12, 5, 6]);
    expect(deltas).toEqual(['', '\uFFFDA', '', '']);
    expect(tail).toBe('\uFFFD');
    expect(text).toBe(decode([9, 12, 5, 6]));
  });

  it('joins to exactly the full decoding for random byte splits of mixed text', () => {
    const text = 'Qwen 说：你好，世界！🙂 Ünïcödé 👩‍💻 mixed 日本語テキスト and ASCII. '.repeat(20);
    const bytes = utf8(text);
    const random = new Random(4);
    const tokens: number[][] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(random.next() * 3);
      tokens.push(bytes.slice(at, at + size));
      at += size;
    }
    const { decode, windows } = byteVocabulary(tokens);
    const { deltas, tail } = stream(decode, tokens.map((_, id) => id));
    for (const delta of deltas) expect(delta).not.toContain('\uFFFD');
    expect(deltas.join('') + tail).toBe(text);
    console.log(`TextStreamer: ${tokens.length} tokens, longest decoded window ${Math.max(...windows)} tokens`);
    expect(Math.max(...windows)).toBeLessThan(tokens.length / 20); // windows, not the whole answer
  });
});
