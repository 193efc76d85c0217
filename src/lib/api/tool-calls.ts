// Reads tool calls out of an answer's text, as Qwen2.5 writes them and the engine's grammar
// guarantees them: content, then `<tool_call>\n{"name": "f", "arguments": ARGS}\n</tool_call>`
// joined by "\n". `parseToolText` reads whole or partial text (only what can no longer change),
// so the streamed deltas and the whole answer come from one reading and always agree.
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN, type ToolCall } from '../../../workers/protocol/tools.ts';
import type { ToolCallDelta } from '../../../workers/protocol/openai/wire.ts';

export interface ParsedCall {
  name: string;
  /** The arguments' JSON text as written (whole once `done`). */
  arguments: string;
  done: boolean;
}

export interface ParsedAnswer {
  content: string;
  calls: ParsedCall[];
}

const HEAD = /^\n\{"name": ("(?:[^"\\]|\\.)*"), "arguments": /;

/** The content and calls in `text`; with `partial`, only the part later text cannot change. */
export function parseToolText(text: string, partial: boolean): ParsedAnswer {
  const at = text.indexOf(TOOL_CALL_OPEN);
  if (at < 0) return { content: partial ? text.slice(0, text.length - heldBack(text)) : text, calls: [] };
  // The template writes "\n" between the content and the first call.
  const content = text.slice(0, at).replace(/\n$/, '');
  const calls: ParsedCall[] = [];
  for (let from = at; text.startsWith(TOOL_CALL_OPEN, from); ) {
    const head = HEAD.exec(text.slice(from + TOOL_CALL_OPEN.length));
    if (!head) break;
    const start = from + TOOL_CALL_OPEN.length + head[0].length;
    // Compact JSON has no raw newline: the first one ends the arguments, then "}" of the call.
    const end = text.indexOf('\n', start);
    const name = JSON.parse(head[1]!) as string;
    if (end < 0) {
      const open = text.slice(start);
      calls.push({ name, arguments: partial && open.endsWith('}') ? open.slice(0, -1) : open, done: false });
      break;
    }
    calls.push({ name, arguments: text.slice(start, end - 1), done: true });
    from = end + 1 + TOOL_CALL_CLOSE.length + 1;
  }
  return { content, calls };
}

/** Characters at the end of `text` that may be the start of "\n<tool_call>". */
function heldBack(text: string): number {
  const marker = `\n${TOOL_CALL_OPEN}`;
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(marker.slice(0, n)) || text.endsWith(TOOL_CALL_OPEN.slice(0, n))) return n;
  }
  return 0;
}

export function newCallId(): string {
  const random = crypto.getRandomValues(new Uint8Array(12));
  return `call_${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The calls of a whole answer in OpenAI's shape. */
export function toolCallsOf(calls: readonly ParsedCall[]): ToolCall[] {
  return calls.map((call) => ({ id: newCallId(), type: 'function', function: { name: call.name, arguments: call.arguments } }));
}

export interface StreamDelta {
  content?: string;
  tool_calls?: ToolCallDelta[];
}

/** Turns an answer's text deltas into chat-chunk deltas: content, then each call's opening delta
 * and the pieces of its arguments. */
export class ToolCallStream {
  #text = '';
  #content = 0;
  readonly #sent: { id: string; arguments: number }[] = [];

  /** The deltas `piece` makes certain. */
  push(piece: string): StreamDelta[] {
    this.#text += piece;
    return this.#deltas(parseToolText(this.#text, true));
  }

  /** What the end of the answer releases. */
  end(): StreamDelta[] {
    return this.#deltas(parseToolText(this.#text, false));
  }

  /** How many calls were streamed. */
  get calls(): number {
    return this.#sent.length;
  }

  #deltas(parsed: ParsedAnswer): StreamDelta[] {
    const out: StreamDelta[] = [];
    if (parsed.content.length > this.#content) {
      out.push({ content: parsed.content.slice(this.#content) });
      this.#content = parsed.content.length;
    }
    parsed.calls.forEach((call, index) => {
      let sent = this.#sent[index];
      if (!sent) {
        sent = { id: newCallId(), arguments: 0 };
        this.#sent.push(sent);
        out.push({ tool_calls: [{ index, id: sent.id, type: 'function', function: { name: call.name, arguments: '' } }] });
      }
      if (call.arguments.length > sent.arguments) {
        out.push({ tool_calls: [{ index, function: { arguments: call.arguments.slice(sent.arguments) } }] });
        sent.arguments = call.arguments.length;
      }
    });
    return out;
  }
}
