// The /v1 API itself, independent of how requests arrive (Service Worker, iframe bridge, the
// in-page client): routes a request, validates it, runs it on the engine it is given and
// answers in OpenAI's shapes, streaming as server-sent events.
import { EngineError } from '../../../workers/protocol/errors.ts';
import { ApiError, fromEngineError, modelNotFound, noModelLoaded } from '../../../workers/protocol/openai/api-error.ts';
import { sameModel, type ApiRequest, type ApiResponse } from '../../../workers/protocol/openai/relay.ts';
import { bodyTooLarge, MAX_BODY_BYTES } from '../../../workers/protocol/openai/request-gate.ts';
import { DONE, sseEvent } from '../../../workers/protocol/openai/sse.ts';
import type { ChatCompletionCreateParams, CompletionCreateParams, ModelList, WireMessage } from '../../../workers/protocol/openai/wire.ts';
import type { ChatMessage } from '../../../workers/protocol/messages.ts';
import type { ToolUse } from '../../../workers/protocol/tools.ts';
import type { SamplingOptions } from '../../../workers/protocol/sampling-rules.ts';
import type { GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';
import { GenerationStream, type StreamPiece } from './generation-stream.ts';
import { chatLogprobs, chatLogprobsAsked, CompletionLogprobs, completionLogprobsAsked, setLogprobs } from './logprobs.ts';
import { toolCallsOf, ToolCallStream, type StreamDelta } from './tool-calls.ts';
import { parseToolText } from '../utils/tool-text.ts';
import { chatChunk, chatCompletion, chatUsageChunk, completion, completionUsageChunk, modelObject, newIdentity, usageOf, wireFinish, type ResponseIdentity } from './responses.ts';
import { messageText, parseBody, validateChatRequest, validateCompletionRequest } from './validate.ts';

export interface ApiModelInfo {
  id: string;
  contextTokens: number;
  /** Unix seconds. */
  loadedAt: number;
}

/** What the API needs of the engine: which model is loaded, and a generation. */
export interface ApiEngine extends TextGenerator {
  /** The loaded model, once a load in progress has finished; null when none is loaded. */
  model(): Promise<ApiModelInfo | null>;
}

/** OpenAI's legacy completions default, which vLLM keeps too. */
const COMPLETION_DEFAULT_MAX_TOKENS = 16;
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

export async function handleApiRequest(engine: ApiEngine, request: ApiRequest, signal: AbortSignal): Promise<ApiResponse> {
  try {
    return await route(engine, request, signal);
  } catch (error) {
    return errorResponse(toApiError(error));
  }
}

export function errorResponse(error: ApiError): ApiResponse {
  return { status: error.status, headers: JSON_HEADERS, body: JSON.stringify(error.body) };
}

async function route(engine: ApiEngine, request: ApiRequest, signal: AbortSignal): Promise<ApiResponse> {
  const path = request.path.split('?')[0]!.replace(/\/+$/, '');
  const method = request.method.toUpperCase();
  // Bridge requests arrive here directly; the Service Worker has capped its own already.
  if (request.body !== undefined && new TextEncoder().encode(request.body).byteLength > MAX_BODY_BYTES) throw bodyTooLarge();
  const allow = (expected: string): void => {
    if (method !== expected) throw new ApiError(405, { type: 'invalid_request_error', code: 'method_not_allowed', message: `${method} is not allowed on ${path}; use ${expected}.` });
  };
  if (path === '/v1/models') {
    allow('GET');
    return json(await listModels(engine));
  }
  if (path.startsWith('/v1/models/')) {
    allow('GET');
    const id = decodeURIComponent(path.slice('/v1/models/'.length));
    const model = (await listModels(engine)).data.find((m) => sameModel(m.id, id));
    if (!model) throw modelNotFound(id, (await engine.model())?.id ?? null);
    return json(model);
  }
  if (path === '/v1/chat/completions') {
    allow('POST');
    const params = validateChatRequest(parseBody(request.body ?? ''));
    return chat(engine, params, signal);
  }
  if (path === '/v1/completions') {
    allow('POST');
    const params = validateCompletionRequest(parseBody(request.body ?? ''));
    return complete(engine, params, signal);
  }
  throw new ApiError(404, { type: 'invalid_request_error', code: 'unknown_url', message: `Invalid URL (${method} ${path}). This app serves GET /v1/models, POST /v1/chat/completions and POST /v1/completions.` });
}

async function listModels(engine: ApiEngine): Promise<ModelList> {
  const model = await engine.model();
  return { object: 'list', data: model ? [modelObject(model.id, model.loadedAt, model.contextTokens)] : [] };
}

async function resolveModel(engine: ApiEngine, requested: string): Promise<string> {
  const model = await engine.model();
  if (!model) throw noModelLoaded();
  if (!sameModel(model.id, requested)) throw modelNotFound(requested, model.id);
  return model.id;
}

async function chat(engine: ApiEngine, params: ChatCompletionCreateParams, signal: AbortSignal): Promise<ApiResponse> {
  const model = await resolveModel(engine, params.model);
  const who = newIdentity('chatcmpl', model);
  const tools = toolUse(params);
  const payload: GeneratePayload = {
    ...common(params),
    input: { mode: 'chat', messages: params.messages.map(engineMessage) },
    maxTokens: params.max_completion_tokens ?? params.max_tokens ?? undefined,
    responseFormat: params.response_format?.type === 'text' ? undefined : params.response_format,
    ...logprobsField(chatLogprobsAsked(params)),
    ...(tools ? { tools } : {}),
  };
  // With tool_choice "none" the model cannot open a call (the grammar), so the text is all content.
  const callable = tools !== undefined && tools.choice !== 'none';
  const withUsage = params.stream_options?.include_usage === true;
  if (!params.stream) {
    const result = await engine.generate(payload, { onDelta: () => undefined, signal });
    const parsed = callable ? parseToolText(result.text, false) : null;
    const answer = parsed === null ? chatCompletion(who, result.text, result.stats) : chatCompletion(who, parsed.content, result.stats, toolCallsOf(parsed.calls));
    if (payload.logprobs !== undefined) setLogprobs(answer, chatLogprobs(result.logprobs ?? []));
    return json(answer);
  }
  const calls = callable ? new ToolCallStream() : null;
  const chunks = (deltas: StreamDelta[]): string => deltas.map((delta) => sseEvent(chatChunk(who, delta, null, withUsage))).join('');
  return stream(engine, payload, signal, {
    // As OpenAI does where tools may be called: content stays null unless text comes.
    opening: sseEvent(chatChunk(who, { role: 'assistant', content: calls ? null : '' }, null, withUsage)),
    delta: (piece) => {
      // Text that may be a tool call is held back until its shape is certain (logprobs are not
      // streamed with calls).
      if (calls) return chunks(calls.push(piece.text));
      const chunk = chatChunk(who, { content: piece.text }, null, withUsage);
      if (payload.logprobs !== undefined) setLogprobs(chunk, chatLogprobs(piece.logprobs ?? []));
      return sseEvent(chunk);
    },
    closing: (result) => [
      ...(calls ? [chunks(calls.end())].filter(Boolean) : []),
      sseEvent(chatChunk(who, {}, wireFinish(result.stats.finishReason, (calls?.calls ?? 0) > 0), withUsage)),
      ...(withUsage ? [sseEvent(chatUsageChunk(who, result.stats))] : []),
    ],
  });
}

function toolUse(params: ChatCompletionCreateParams): ToolUse | undefined {
  if (!params.tools) return undefined;
  return { tools: params.tools, choice: params.tool_choice ?? 'auto', parallel: params.parallel_tool_calls ?? true };
}

function engineMessage(message: WireMessage): ChatMessage {
  const { role, tool_calls: toolCalls, tool_call_id: toolCallId } = message;
  return { role: role === 'developer' ? 'system' : role, content: messageText(message), ...(toolCalls ? { toolCalls } : {}), ...(toolCallId === undefined ? {} : { toolCallId }) };
}

async function complete(engine: ApiEngine, params: CompletionCreateParams, signal: AbortSignal): Promise<ApiResponse> {
  const model = await resolveModel(engine, params.model);
  const who: ResponseIdentity = newIdentity('cmpl', model);
  const prompt = typeof params.prompt === 'string' ? params.prompt : params.prompt[0];
  const payload: GeneratePayload = {
    ...common(params),
    input: { mode: 'completion', prompt },
    maxTokens: params.max_tokens ?? COMPLETION_DEFAULT_MAX_TOKENS,
    ...logprobsField(completionLogprobsAsked(params)),
  };
  const withUsage = params.stream_options?.include_usage === true;
  const logprobs = new CompletionLogprobs();
  if (!params.stream) {
    const result = await engine.generate(payload, { onDelta: () => undefined, signal });
    const answer = completion(who, result.text, wireFinish(result.stats.finishReason), usageOf(result.stats));
    if (payload.logprobs !== undefined) setLogprobs(answer, logprobs.next(result.logprobs ?? []));
    return json(answer);
  }
  return stream(engine, payload, signal, {
    opening: null,
    delta: (piece) => {
      const chunk = completion(who, piece.text, null, withUsage ? null : undefined);
      if (payload.logprobs !== undefined) setLogprobs(chunk, logprobs.next(piece.logprobs ?? []));
      return sseEvent(chunk);
    },
    closing: (result) => [sseEvent(completion(who, '', wireFinish(result.stats.finishReason), withUsage ? null : undefined)), ...(withUsage ? [sseEvent(completionUsageChunk(who, result.stats))] : [])],
  });
}

interface StreamShape {
  opening: string | null;
  delta: (piece: StreamPiece) => string;
  closing: (result: GenerateResult) => string[];
}

async function stream(engine: ApiEngine, payload: GeneratePayload, signal: AbortSignal, shape: StreamShape): Promise<ApiResponse> {
  const generation = new GenerationStream((onDelta) => engine.generate(payload, { onDelta, signal }));
  // A refusal before any text (context too long, bad schema) is still an HTTP error status.
  if (await generation.failedEarly()) throw await generation.result.catch((e: unknown) => e);
  async function* events(): AsyncGenerator<string> {
    if (shape.opening) yield shape.opening;
    for await (const piece of generation.deltas()) {
      // A delta may make no event (text held back until a tool call's shape is certain).
      const event = shape.delta(piece);
      if (event) yield event;
    }
    try {
      yield* shape.closing(await generation.result);
    } catch (error) {
      // Mid-stream the status is sent already: OpenAI then sends the error as an event.
      yield sseEvent(toApiError(error).body);
    }
    yield sseEvent(DONE);
  }
  return { status: 200, headers: SSE_HEADERS, body: events() };
}

function common(params: ChatCompletionCreateParams | CompletionCreateParams): Pick<GeneratePayload, 'sampling' | 'stop'> {
  const sampling: SamplingOptions = {};
  const set = <K extends keyof SamplingOptions>(key: K, value: SamplingOptions[K] | null | undefined): void => {
    if (value !== null && value !== undefined) sampling[key] = value;
  };
  set('temperature', params.temperature);
  set('top_p', params.top_p);
  // vLLM's "off" for top_k is -1; the engine's is 0.
  set('top_k', params.top_k === -1 ? 0 : params.top_k);
  set('min_p', params.min_p);
  set('repetition_penalty', params.repetition_penalty);
  set('presence_penalty', params.presence_penalty);
  set('frequency_penalty', params.frequency_penalty);
  set('seed', params.seed);
  const stop = params.stop === null || params.stop === undefined ? undefined : typeof params.stop === 'string' ? [params.stop] : params.stop;
  return { sampling, stop };
}

/** The engine's logprobs field: present only when the request asks, so none costs nothing. */
function logprobsField(top: number | undefined): Pick<GeneratePayload, 'logprobs'> {
  return top === undefined ? {} : { logprobs: top };
}

function json(value: unknown): ApiResponse {
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(value) };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) return fromEngineError(error.toShape());
  return fromEngineError({ code: 'internal', message: error instanceof Error ? error.message : String(error) });
}
