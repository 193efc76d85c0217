// Tool calls of an answer in OpenAI's shapes: the message's tool_calls, and the chunk deltas of
// a stream (content, then each call's opening delta and the pieces of its arguments), both from
// the one reading of the text in utils/tool-text.ts.
import type { ToolCall } from '../../../workers/protocol/tools.ts';
import type { ToolCallDelta } from '../../../workers/protocol/openai/wire.ts';
import { parseToolText, type ParsedAnswer, type ParsedCall } from '../utils/tool-text.ts';

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
