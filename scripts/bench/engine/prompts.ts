// The bench's prompts, as text for the engine and as the very token ids the engine encodes them
// to (its own PromptEncoder and the repo's tokenizer) for the peers: filler completions of an
// exact length, and a chat whose every turn adds the same number of tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerateInput } from '../../../workers/protocol/messages.ts';
import { PromptEncoder, createTokenizer } from '../../../workers/engine/prompt-encoder.ts';

export interface Prompt {
  input: GenerateInput;
  ids: number[];
}

const WORD = ' river'; // one token, also repeated
const ANSWER = 'Noted, thank you.';

export class BenchPrompts {
  readonly #encoder: PromptEncoder;

  constructor(repoDir: string) {
    const json = (name: string) => JSON.parse(readFileSync(join(repoDir, name), 'utf8')) as Record<string, unknown>;
    this.#encoder = new PromptEncoder(createTokenizer(json('tokenizer.json'), json('tokenizer_config.json')));
  }

  /** A completion prompt of exactly `tokens` tokens. */
  filler(tokens: number): Prompt {
    const prompt = this.#prompt({ mode: 'completion', prompt: WORD.repeat(tokens) });
    if (prompt.ids.length !== tokens) throw new Error(`filler of ${tokens} tokens encodes to ${prompt.ids.length}`);
    return prompt;
  }

  /** Prompts of a `turns`-turn chat, each the previous one plus `added` tokens (answers are fixed text). */
  chat(turns: number, added: number): Prompt[] {
    const prompts: Prompt[] = [];
    const messages: { role: 'user' | 'assistant'; content: string }[] = [];
    for (let turn = 0; turn < turns; turn++) {
      const before = prompts.at(-1)?.ids ?? [];
      if (turn > 0) messages.push({ role: 'assistant', content: ANSWER });
      // The user's message is sized so the turn adds `added` tokens (the template's and the answer's included).
      let words = added;
      let prompt = this.#prompt({ mode: 'chat', messages: [...messages, { role: 'user', content: WORD.repeat(words) }] });
      for (let tries = 0; tries < 5 && prompt.ids.length - before.length !== added; tries++) {
        words += added - (prompt.ids.length - before.length);
        if (words < 1) throw new Error(`a chat turn cannot add as few as ${added} tokens`);
        prompt = this.#prompt({ mode: 'chat', messages: [...messages, { role: 'user', content: WORD.repeat(words) }] });
      }
      if (prompt.ids.length - before.length !== added) throw new Error(`chat turn ${turn + 1} adds ${prompt.ids.length - before.length} tokens, not ${added}`);
      if (before.some((id, i) => prompt.ids[i] !== id)) throw new Error(`chat turn ${turn + 1} does not extend the previous prompt's tokens`);
      messages.push({ role: 'user', content: WORD.repeat(words) });
      prompts.push(prompt);
    }
    return prompts;
  }

  #prompt(input: GenerateInput): Prompt {
    return { input: structuredClone(input), ids: this.#encoder.encode(this.#encoder.render(input)) };
  }
}
