// Reads tool calls out of an answer's text, as Qwen2.5 writes them and the engine's grammar
// guarantees them (every backend's answer has this form, remote-tool-calls.ts): content, then
// `<tool_call>\n{"name": "f", "arguments": ARGS}\n</tool_call>` joined by "\n". It reads whole
// or partial text (then only what can no longer change), so streamed deltas and the whole answer
// come from one reading and always agree.
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from '../../../workers/protocol/tools.ts';

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
