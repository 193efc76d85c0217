// The prompt encoder with the real Qwen2.5 tokenizer (the files of a forged repo, as the store hands them over).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureDir } from '../../../scripts/forge/fixture-set.ts';
import { PromptEncoder, createTokenizer } from '../../../workers/engine/prompt-encoder.ts';

let encoder: PromptEncoder;
beforeAll(() => {
  const dir = fixtureDir(fixture('optimum-q4'));
  const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  encoder = new PromptEncoder(createTokenizer(json('tokenizer.json'), json('tokenizer_config.json')));
});

describe('PromptEncoder', () => {
  it('encodes a document of 140,000 tokens (more ids than one call may take as arguments)', () => {
    const text = Array.from({ length: 8000 }, (_, i) => `Stone bridge ${i} crosses the canal at mile ${i * 3}.`).join(' ');
    const ids = encoder.encode(text);
    expect(ids.length).toBeGreaterThan(140_000);
    expect(ids).toEqual(encoder.tokenizer.encode(text, { add_special_tokens: false }));
  });

  it('renders the chat template with the assistant turn opened, and raw completions as they are', () => {
    expect(encoder.render({ mode: 'chat', messages: [{ role: 'user', content: 'hi' }] })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(encoder.render({ mode: 'completion', prompt: 'Once upon' })).toBe('Once upon');
  });

  it('renders tools, an assistant tool call (its JSON-text arguments as the object) and the tool result in Qwen2.5\'s own form', () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const prompt = encoder.render(
      {
        mode: 'chat',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', content: '{"celsius": 21}', toolCallId: 'call_1' },
        ],
      },
      tools,
    );
    expect(prompt).toContain(
      '<tools>\n{"type": "function", "function": {"name": "get_weather", "description": "Weather now", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}\n</tools>',
    );
    expect(prompt.endsWith(
      '<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\n{"celsius": 21}\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    )).toBe(true);
    // <tool_call> and </tool_call> are single (added) tokens, as the tool-call grammar expects.
    expect(encoder.encode('<tool_call>\n</tool_call>')).toEqual([151657, 198, 151658]);
  });

  it('encodes special tokens as single ids and adds none of its own', () => {
    expect(encoder.encode('<|im_start|>user\nHello, how are you?<|im_end|>')).toEqual([151644, 872, 198, 9707, 11, 1246, 525, 498, 30, 151645]);
  });

  it('quotes a remembered answer back with the ids that were generated, not a re-tokenization', () => {
    // "Hello" generated as two tokens "Hel" + "lo"; the tokenizer itself would give one.
    const generated = [...encoder.encode('Hel'), ...encoder.encode('lo')];
    expect(encoder.encode('Hello')).not.toEqual(generated);
    encoder.remember('Hello', generated);
    const prompt = encoder.render({
      mode: 'chat',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'again' },
      ],
    });
    const ids = encoder.encode(prompt);
    const header = encoder.encode('<|im_start|>assistant\n');
    const at = ids.findIndex((_, i) => header.every((h, j) => ids[i + j] === h));
    expect(ids.slice(at + header.length, at + header.length + generated.length + 1)).toEqual([...generated, 151645]);
    expect(encoder.decode(ids)).toBe(encoder.decode(encoder.encode(prompt)));
  });

  it('ignores an answer whose ids do not decode to its text, and quotes not followed by a special token', () => {
    const plain = (text: string): number[] => encoder.tokenizer.encode(text, { add_special_tokens: false }) as number[];
    encoder.remember('Goodbye', encoder.encode('Good'));
    expect(encoder.encode('Goodbye<|im_end|>')).toEqual(plain('Goodbye<|im_end|>'));
    const split = [...encoder.encode('Go'), ...encoder.encode('odbye')];
    expect(split).not.toEqual(plain('Goodbye'));
    encoder.remember('Goodbye', split);
    expect(encoder.encode('Goodbye<|im_end|>')).toEqual([...split, 151645]);
    expect(encoder.encode('Goodbye friend')).toEqual(plain('Goodbye friend'));
  });
});
