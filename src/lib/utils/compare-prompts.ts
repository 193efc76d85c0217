// What each pane of the compare view sends for one question. The chat pane always uses the chat
// template; the base pane uses raw continuation, the same chat template, or the URIAL preamble.
// The system prompt is written out so that base and instruct templates (whose default system
// prompts differ) render the same text, and the diff scores the answer in the very context the
// chat model saw.
import type { GenerateInput } from '../../../workers/protocol/messages.ts';
import { URIAL_PREAMBLE, URIAL_STOPS, urialQuery } from './urial-preamble.ts';

export const PROMPT_FORMATS = ['raw', 'chat', 'urial'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

export const COMPARE_SYSTEM_PROMPT = 'You are a helpful assistant.';

export interface PanePrompt {
  input: GenerateInput;
  stop: string[];
}

export function chatPrompt(question: string): PanePrompt {
  return {
    input: { mode: 'chat', messages: [{ role: 'system', content: COMPARE_SYSTEM_PROMPT }, { role: 'user', content: question }] },
    stop: [],
  };
}

export function basePrompt(format: PromptFormat, question: string): PanePrompt {
  switch (format) {
    case 'raw':
      return { input: { mode: 'completion', prompt: question }, stop: [] };
    case 'chat':
      return chatPrompt(question);
    case 'urial':
      return { input: { mode: 'completion', prompt: URIAL_PREAMBLE + urialQuery(question) }, stop: [...URIAL_STOPS] };
    default: {
      const never: never = format;
      throw new Error(`unknown prompt format ${String(never)}`);
    }
  }
}
