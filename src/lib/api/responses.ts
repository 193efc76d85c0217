// The response objects of /v1, built from an engine result: completions, stream chunks and
// usage. Usage counts are the engine's own token counts (prompt after the chat template; every
// generated token, the end-of-turn token included).
import type { FinishReason, GenerationStats } from '../../../workers/protocol/messages.ts';
import type { ChatCompletion, ChatCompletionChunk, Completion, CompletionUsage, Model, WireFinishReason } from '../../../workers/protocol/openai/wire.ts';
import type { ToolCall } from '../../../workers/protocol/tools.ts';

/** Names this build in every response, as OpenAI's system_fingerprint does. */
const SYSTEM_FINGERPRINT = 'qwen-local-onnxruntime-web';

export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

export function newIdentity(prefix: 'chatcmpl' | 'cmpl', model: string): ResponseIdentity {
  const random = crypto.getRandomValues(new Uint8Array(12));
  const id = `${prefix}-${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return { id, created: Math.floor(Date.now() / 1000), model };
}

export function usageOf(stats: GenerationStats): CompletionUsage {
  return { prompt_tokens: stats.promptTokens, completion_tokens: stats.decodeTokens, total_tokens: stats.promptTokens + stats.decodeTokens };
}

/** An aborted generation only happens when the client has gone; 'stop' is what it would read.
 * An answer that ended after tool calls finished for them ('tool_calls'). */
export function wireFinish(reason: FinishReason, calledTools = false): WireFinishReason {
  if (reason === 'length') return 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** With `toolCalls` (a request with tools), content is null when the answer is only calls. */
export function chatCompletion(who: ResponseIdentity, text: string, stats: GenerationStats, toolCalls?: ToolCall[]): ChatCompletion {
  const calls = toolCalls?.length ? { tool_calls: toolCalls } : {};
  const content = toolCalls?.length && !text ? null : text;
  return {
    ...base(who, 'chat.completion'),
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, ...calls }, logprobs: null, finish_reason: wireFinish(stats.finishReason, calls.tool_calls !== undefined) }],
    usage: usageOf(stats),
  };
}

export function chatChunk(who: ResponseIdentity, delta: ChatCompletionChunk['choices'][0]['delta'], finish: WireFinishReason | null, withUsage: boolean): ChatCompletionChunk {
  const chunk: ChatCompletionChunk = { ...base(who, 'chat.completion.chunk'), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  return withUsage ? { ...chunk, usage: null } : chunk;
}

export function chatUsageChunk(who: ResponseIdentity, stats: GenerationStats): ChatCompletionChunk {
  return { ...base(who, 'chat.completion.chunk'), choices: [], usage: usageOf(stats) };
}

export function completion(who: ResponseIdentity, text: string, finish: WireFinishReason | null, usage?: CompletionUsage | null): Completion {
  const result: Completion = { ...base(who, 'text_completion'), choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
  return usage === undefined ? result : { ...result, usage };
}

export function completionUsageChunk(who: ResponseIdentity, stats: GenerationStats): Completion {
  return { ...base(who, 'text_completion'), choices: [], usage: usageOf(stats) };
}

export function modelObject(id: string, created: number, contextTokens: number): Model {
  return { id, object: 'model', created, owned_by: id.split('/')[0] ?? 'qwen-local', max_model_len: contextTokens };
}

function base<O extends string>(who: ResponseIdentity, object: O): { id: string; object: O; created: number; model: string; system_fingerprint: string } {
  return { id: who.id, object, created: who.created, model: who.model, system_fingerprint: SYSTEM_FINGERPRINT };
}
