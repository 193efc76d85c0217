// Turns a chat or a completion prompt into token ids with the model's own tokenizer and chat
// template. It remembers the ids of the answers this engine generated, so a later prompt that
// quotes an answer back gets the very ids the KV cache holds (re-tokenizing generated text need
// not give the same ids) and the whole earlier conversation is reused.
import { PreTrainedTokenizer, Qwen2Tokenizer } from '@huggingface/transformers';
import type { ChatMessage, GenerateInput } from '../protocol/messages.ts';
import type { ToolDefinition } from '../protocol/tools.ts';

const MEMORY_ANSWERS = 32;

interface Answer {
  text: string;
  ids: readonly number[];
}

/** The tokenizer from the model's stored tokenizer.json and tokenizer_config.json (no network),
 * of the class the config names, as AutoTokenizer would pick it. */
export function createTokenizer(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): PreTrainedTokenizer {
  const name = String(tokenizerConfig['tokenizer_class'] ?? '').replace(/Fast$/, '');
  return name === 'Qwen2Tokenizer' ? new Qwen2Tokenizer(tokenizerJson, tokenizerConfig) : new PreTrainedTokenizer(tokenizerJson, tokenizerConfig);
}

/** A message as chat templates read it: Qwen2.5's renders `tool_call.arguments | tojson`, so
 * OpenAI's JSON text becomes the object it spells (text that is not JSON stays a string). */
function templateMessage(message: ChatMessage): { role: string; content: string } & Record<string, unknown> {
  const { role, content, toolCalls, toolCallId } = message;
  if (toolCalls?.length) {
    const calls = toolCalls.map(({ id, type, function: f }) => ({ id, type, function: { name: f.name, arguments: parsedArguments(f.arguments) } }));
    return { role, content, tool_calls: calls };
  }
  return toolCallId === undefined ? { role, content } : { role, content, tool_call_id: toolCallId };
}

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class PromptEncoder {
  readonly tokenizer: PreTrainedTokenizer;
  readonly #specialTokens: string[];
  #answers: Answer[] = [];

  constructor(tokenizer: PreTrainedTokenizer) {
    this.tokenizer = tokenizer;
    this.#specialTokens = [...tokenizer.all_special_tokens];
  }

  /** The prompt text: the chat template with the assistant turn opened (and the tools, when
   * given, as the template shows them), or the raw completion prompt. */
  render(input: GenerateInput, tools?: readonly ToolDefinition[]): string {
    if (input.mode === 'completion') return input.prompt;
    const messages = input.messages.map(templateMessage);
    const options = { add_generation_prompt: true, tokenize: false, ...(tools?.length ? { tools: [...tools] } : {}) } as const;
    return this.tokenizer.apply_chat_template(messages, options) as string;
  }

  encode(text: string): number[] {
    // concat, not push(...ids): a long document is more ids than a call's arguments may be.
    return this.#split(text).reduce<number[]>((ids, piece) => ids.concat(typeof piece === 'string' ? this.#tokenize(piece) : piece.ids), []);
  }

  decode(ids: readonly number[]): string {
    return ids.length === 0 ? '' : this.tokenizer.decode(ids as number[], { skip_special_tokens: true });
  }

  /** One token on its own, special tokens by name (a candidate in the alignment diff). */
  tokenText(id: number): string {
    return this.tokenizer.decode([id], { skip_special_tokens: false });
  }

  /** Remembers an answer when its ids decode to exactly its text. */
  remember(text: string, ids: readonly number[]): void {
    if (!text || ids.length === 0 || this.tokenizer.decode(ids as number[], { skip_special_tokens: false }) !== text) return;
    this.#answers = [{ text, ids: [...ids] }, ...this.#answers.filter((a) => a.text !== text)].slice(0, MEMORY_ANSWERS);
  }

  #tokenize(text: string): number[] {
    return text ? (this.tokenizer.encode(text, { add_special_tokens: false }) as number[]) : [];
  }

  /** Splits text around remembered answers that end where a special token starts (or the text ends). */
  #split(text: string): (string | Answer)[] {
    let pieces: (string | Answer)[] = [text];
    for (const answer of this.#answers) {
      pieces = pieces.flatMap((piece) => (typeof piece === 'string' ? this.#splitOne(piece, answer) : [piece]));
    }
    return pieces;
  }

  #splitOne(text: string, answer: Answer): (string | Answer)[] {
    const out: (string | Answer)[] = [];
    let from = 0;
    for (let at = text.indexOf(answer.text); at >= 0; at = text.indexOf(answer.text, at + 1)) {
      const end = at + answer.text.length;
      if (at < from || !this.#atBoundary(text, end)) continue;
      out.push(text.slice(from, at), answer);
      from = end;
    }
    out.push(text.slice(from));
    return out.filter((p) => p !== '');
  }

  #atBoundary(text: string, index: number): boolean {
    return index === text.length || this.#specialTokens.some((t) => text.startsWith(t, index));
  }
}
