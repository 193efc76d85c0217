// A remote server's side of tool calling: the request fields it takes (OpenAI's, which vLLM run
// with --tool-call-parser hermes reads), and its streamed `tool_calls` deltas written back as
// the text Qwen2.5 writes (`<tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>`), so the
// /v1 handler and the UI read calls from every backend the same way.
import type { ChatMessage } from '../../../workers/protocol/messages.ts';
import type { ToolCallDelta, WireMessage } from '../../../workers/protocol/openai/wire.ts';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN, type ToolUse } from '../../../workers/protocol/tools.ts';

export function wireMessage({ role, content, toolCalls, toolCallId }: ChatMessage): WireMessage {
  if (toolCalls?.length) return { role, content: content || null, tool_calls: toolCalls };
  return toolCallId === undefined ? { role, content } : { role, content, tool_call_id: toolCallId };
}

export function toolFields(use: ToolUse | undefined): Record<string, unknown> {
  return use ? { tools: use.tools, tool_choice: use.choice, parallel_tool_calls: use.parallel } : {};
}

/** Streamed tool-call deltas to call text; `content` says whether text came before them. */
export class ToolCallText {
  #open = -1;

  /** The text the deltas add. */
  push(deltas: readonly ToolCallDelta[], afterContent: boolean): string {
    let text = '';
    for (const delta of deltas) {
      if (delta.index !== this.#open) {
        text += this.#close();
        // As the template joins them: "\n" after content and between calls.
        if (afterContent || this.#open >= 0) text += '\n';
        text += `${TOOL_CALL_OPEN}\n{"name": ${JSON.stringify(delta.function.name ?? '')}, "arguments": `;
        this.#open = delta.index;
      }
      text += delta.function.arguments ?? '';
    }
    return text;
  }

  /** What closes the call still open, at the end of the answer. */
  end(): string {
    return this.#close();
  }

  #close(): string {
    return this.#open >= 0 ? `}\n${TOOL_CALL_CLOSE}` : '';
  }
}
