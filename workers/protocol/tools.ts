// Tool calling (OpenAI's `tools`, `tool_choice`, `parallel_tool_calls`) as the engine and every
// backend receive it, and the shape of a call in a conversation. Arguments travel as OpenAI's
// JSON text; the engine turns them into objects only for the chat template.

export interface ToolFunction {
  name: string;
  description?: string;
  /** A JSON Schema for the arguments object; absent means no arguments ({}). */
  parameters?: Record<string, unknown>;
}

export interface ToolDefinition {
  type: 'function';
  function: ToolFunction;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** What a generate request asks of tools: rendered in the prompt, and enforced as the choice says. */
export interface ToolUse {
  tools: ToolDefinition[];
  choice: ToolChoice;
  /** More than one call in an answer (named choice: always one, as vLLM does). */
  parallel: boolean;
}

/** What Qwen2.5 (Hermes format) writes around one call; vLLM's hermes parser reads the same. */
export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';
