// Shown: however an answer's text is cut into deltas (here one character at a time), the
// streamed content and calls add up to what the whole text reads as, and nothing streamed is
// ever taken back: text that may still become "<tool_call>" waits, and so does a "}" that may
// close the call rather than its arguments.
import { describe, expect, it } from 'vitest';
import { ToolCallStream } from '../../src/lib/api/tool-calls.ts';
import { parseToolText } from '../../src/lib/utils/tool-text.ts';

const TEXTS = [
  'Just text, with a < and a\nnewline\n',
  '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>',
  'Let me check <this>.\n<tool_call>\n{"name": "get_weather", "arguments": {"city":"Pa\\"ris","nested":{"a":[1,{}]}}}\n</tool_call>',
  '<tool_call>\n{"name": "a", "arguments": {"x":"}"}}\n</tool_call>\n<tool_call>\n{"name": "b", "arguments": 7}\n</tool_call>',
];

function streamByCharacter(text: string): { content: string; calls: { name: string; arguments: string }[] } {
  const stream = new ToolCallStream();
  let content = '';
  const calls: { name: string; arguments: string }[] = [];
  for (const deltas of [...[...text].map((c) => stream.push(c)), stream.end()]) {
    for (const delta of deltas) {
      content += delta.content ?? '';
      for (const piece of delta.tool_calls ?? []) {
        if (piece.id) calls.push({ name: piece.function.name!, arguments: '' });
        else calls[piece.index]!.arguments += piece.function.arguments;
      }
    }
  }
  return { content, calls };
}

describe('tool-call text, whole and streamed', () => {
  it('reads content and calls from the whole text', () => {
    expect(parseToolText(TEXTS[2]!, false)).toEqual({
      content: 'Let me check <this>.',
      calls: [{ name: 'get_weather', arguments: '{"city":"Pa\\"ris","nested":{"a":[1,{}]}}', done: true }],
    });
    expect(parseToolText(TEXTS[3]!, false).calls.map((c) => c.arguments)).toEqual(['{"x":"}"}', '7']);
  });

  for (const [i, text] of TEXTS.entries()) {
    it(`streams text ${i} one character at a time to the same answer`, () => {
      const whole = parseToolText(text, false);
      expect(streamByCharacter(text)).toEqual({ content: whole.content, calls: whole.calls.map(({ name, arguments: args }) => ({ name, arguments: args })) });
    });
  }
});
