// The OpenAI wire format this app speaks (the subset it serves), in snake_case as on the wire:
// requests the Service Worker, the iframe bridge and the in-page client accept, and the objects
// they answer with. Streaming and non-streaming requests split on the literal `stream: true`.
import type { ResponseFormat } from '../response-format.ts';
import type { ToolCall, ToolChoice, ToolDefinition } from '../tools.ts';

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface WireMessage {
  role: Role;
  /** null only in an assistant turn with tool_calls. */
  content: string | TextPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  /** A tool turn: the call it answers. */
  tool_call_id?: string;
}

interface SamplingFields {
  model: string;
  temperature?: number | null;
  top_p?: number | null;
  /** Not in OpenAI's API; vLLM and llama.cpp accept them, so do we. */
  top_k?: number | null;
  min_p?: number | null;
  repetition_penalty?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  max_tokens?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  stream_options?: { include_usage?: boolean } | null;
  user?: string;
}

export interface ChatCompletionCreateParamsBase extends SamplingFields {
  messages: WireMessage[];
  max_completion_tokens?: number | null;
  response_format?: ResponseFormat;
  logprobs?: boolean | null;
  /** 0 to 20; needs logprobs: true. */
  top_logprobs?: number | null;
  tools?: ToolDefinition[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
}

export type ChatCompletionCreateParamsStreaming = ChatCompletionCreateParamsBase & { stream: true };
export type ChatCompletionCreateParamsNonStreaming = ChatCompletionCreateParamsBase & { stream?: false | null };
export type ChatCompletionCreateParams = ChatCompletionCreateParamsStreaming | ChatCompletionCreateParamsNonStreaming;

export interface CompletionCreateParamsBase extends SamplingFields {
  prompt: string | [string];
  echo?: boolean | null;
  /** 0 to 5: the top alternatives per token (the chosen token's logprob always comes too). */
  logprobs?: number | null;
}

export type CompletionCreateParamsStreaming = CompletionCreateParamsBase & { stream: true };
export type CompletionCreateParamsNonStreaming = CompletionCreateParamsBase & { stream?: false | null };
export type CompletionCreateParams = CompletionCreateParamsStreaming | CompletionCreateParamsNonStreaming;

export type WireFinishReason = 'stop' | 'length' | 'tool_calls';

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: 0; message: AssistantMessage; logprobs: ChatChoiceLogprobs | null; finish_reason: WireFinishReason }[];
  usage: CompletionUsage;
}

export interface AssistantMessage {
  role: 'assistant';
  /** null when the answer is only tool calls. */
  content: string | null;
  refusal: null;
  tool_calls?: ToolCall[];
}

/** A streamed piece of a tool call: the first names it (index, id, type, function.name and empty
 * arguments), the following ones append to its arguments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: 0; delta: { role?: 'assistant'; content?: string | null; tool_calls?: ToolCallDelta[] }; logprobs: ChatChoiceLogprobs | null; finish_reason: WireFinishReason | null }[];
  /** Present (null until the last chunk) only when stream_options.include_usage is set. */
  usage?: CompletionUsage | null;
}

export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: 0; text: string; logprobs: CompletionChoiceLogprobs | null; finish_reason: WireFinishReason | null }[];
  usage?: CompletionUsage | null;
}

export interface ChatLogprobCandidate {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface ChatTokenLogprob extends ChatLogprobCandidate {
  top_logprobs: ChatLogprobCandidate[];
}

export interface ChatChoiceLogprobs {
  content: ChatTokenLogprob[] | null;
  refusal: null;
}

/** The legacy completions shape: parallel arrays, each token's alternatives as { token: logprob }. */
export interface CompletionChoiceLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  /** Where each token starts in the choice's text, in characters. */
  text_offset: number[];
}

export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** Not in OpenAI's object; vLLM reports it too. */
  max_model_len: number;
}

export interface ModelList {
  object: 'list';
  data: Model[];
}

export interface ErrorObject {
  message: string;
  // 'requests' is OpenAI's type for a rate limit (429).
  type: 'invalid_request_error' | 'server_error' | 'permission_error' | 'requests';
  param: string | null;
  code: string | null;
}

export interface ErrorBody {
  error: ErrorObject;
}
