// The prompts of the compare view, as the token ids the engine sends the model: each input goes
// through the engine's own PromptEncoder with the real Qwen2.5 tokenizer of the forged repos.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureDir } from '../../scripts/forge/fixture-set.ts';
import { COMPARE_SYSTEM_PROMPT, basePrompt, chatPrompt } from '../../src/lib/utils/compare-prompts.ts';
import { URIAL_PREAMBLE, urialQuery } from '../../src/lib/utils/urial-preamble.ts';
import type { GenerateInput } from '../../workers/protocol/messages.ts';
import { PromptEncoder, createTokenizer } from '../../workers/engine/prompt-encoder.ts';

function encoderOf(id: string): PromptEncoder {
  const dir = fixtureDir(fixture(id));
  const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  return new PromptEncoder(createTokenizer(json('tokenizer.json'), json('tokenizer_config.json')));
}

const base = encoderOf('base-optimum-q4');
const chat = encoderOf('optimum-q4');
const sent = (encoder: PromptEncoder, input: GenerateInput): number[] => encoder.encode(encoder.render(input));
const plain = (text: string): number[] => base.tokenizer.encode(text, { add_special_tokens: false }) as number[];

const IM_START = 151644;
const IM_END = 151645;
const NEWLINE = 198;
const FIRST_SPECIAL = 151643; // <|endoftext|>: every id from here on is a special token
const QUESTION = 'Why is the sky blue? 为什么天空是蓝色的？';

describe('compare prompts', () => {
  it('raw: the question alone, as plain text, with no special tokens', () => {
    const ids = sent(base, basePrompt('raw', QUESTION).input);
    expect(ids).toEqual(plain(QUESTION));
    expect(ids.every((id) => id < FIRST_SPECIAL)).toBe(true);
    expect(base.decode(ids)).toBe(QUESTION);
    expect(basePrompt('raw', QUESTION).stop).toEqual([]);
  });

  it('chat template: the ChatML turns, the same ids for the base pane and the chat pane', () => {
    const ids = sent(base, basePrompt('chat', QUESTION).input);
    expect(ids).toEqual([
      IM_START, 8948, NEWLINE, ...plain(COMPARE_SYSTEM_PROMPT), IM_END, NEWLINE, // <|im_start|>system\n…<|im_end|>\n
      IM_START, 872, NEWLINE, ...plain(QUESTION), IM_END, NEWLINE, // <|im_start|>user\n…<|im_end|>\n
      IM_START, 77091, NEWLINE, // <|im_start|>assistant\n
    ]);
    expect(plain(COMPARE_SYSTEM_PROMPT)).toEqual([2610, 525, 264, 10950, 17847, 13]);
    // The chat model with its own template (whose default system prompt differs) reads the very same ids.
    expect(sent(chat, chatPrompt(QUESTION).input)).toEqual(ids);
  });

  it('URIAL: the preamble and the query block as plain text, the answer block left open', () => {
    const { input, stop } = basePrompt('urial', QUESTION);
    const ids = sent(base, input);
    expect(ids).toEqual([...plain(URIAL_PREAMBLE), ...plain(urialQuery(QUESTION))]);
    expect(ids.every((id) => id < FIRST_SPECIAL)).toBe(true);
    const text = base.decode(ids);
    expect(text.startsWith('# Instruction\n')).toBe(true);
    expect(text.match(/^# Query:$/gm)).toHaveLength(4);
    expect(text.match(/^# Answer:$/gm)).toHaveLength(4);
    expect(text.endsWith(`# Query:\n\`\`\`\n${QUESTION}\n\`\`\`\n\n# Answer:\n\`\`\`\n`)).toBe(true);
    // "# Answer:\n```\n" ends the prompt: '#', ' Answer', ':\n', '``', '`\n'.
    expect(ids.slice(-5)).toEqual([2, 21806, 510, 13874, 3989]);
    expect(stop).toEqual(['\n```\n', '# Query:']);
  });
});
