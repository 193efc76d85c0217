// A remote OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama) as the backend:
// lists its models and streams generations, turning each way a server can fail into an
// EngineError or RemoteError whose code the UI explains. The API key goes only to the configured base URL.
import { CodedError, EngineError, RemoteError } from '../../../workers/protocol/errors.ts';
import { policyAllows } from '../config/connect-policy.ts';
import { sseData } from '../../../workers/protocol/openai/sse.ts';
import type { ChatCompletionChunk, Completion, ErrorBody, ModelList } from '../../../workers/protocol/openai/wire.ts';
import type { GenerateHooks, GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';
import type { TokenLogprob } from '../../../workers/protocol/logprobs.ts';
import { remoteLogprobs } from './remote-logprobs.ts';
import { ToolCallText, toolFields, wireMessage } from './remote-tool-calls.ts';

export interface RemoteConfig {
  /** Up to and including /v1, e.g. http://gpu-box:8000/v1. */
  baseUrl: string;
  apiKey: string;
  /** For the answer to start, and then between two pieces of a stream. */
  timeoutMs: number;
}

export interface RemoteModel {
  id: string;
  contextTokens: number | null;
}

export async function listRemoteModels(config: RemoteConfig, signal?: AbortSignal): Promise<RemoteModel[]> {
  const response = await remoteFetch(config, '/models', { method: 'GET' }, signal);
  const list = (await readJson(response)) as Partial<ModelList>;
  if (!Array.isArray(list.data)) throw new RemoteError('remote_bad_response', `GET ${config.baseUrl}/models did not return a model list.`);
  return list.data.map((m) => ({ id: m.id, contextTokens: typeof m.max_model_len === 'number' ? m.max_model_len : null }));
}

/** A model on a remote server as a TextGenerator; the config and the model are read at each
 * request, so a settings change applies from the next answer on. */
export class RemoteGenerator implements TextGenerator {
  readonly #config: () => RemoteConfig;
  readonly #model: () => string;

  constructor(config: () => RemoteConfig, model: () => string) {
    this.#config = config;
    this.#model = model;
  }

  generate(payload: GeneratePayload, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    return remoteGenerate(this.#config(), this.#model(), payload, hooks);
  }
}

async function remoteGenerate(config: RemoteConfig, model: string, payload: GeneratePayload, hooks: GenerateHooks): Promise<GenerateResult> {
  const chat = payload.input.mode === 'chat';
  const body: Record<string, unknown> = {
    model,
    ...(payload.input.mode === 'chat' ? { messages: payload.input.messages.map(wireMessage) } : { prompt: payload.input.prompt }),
    ...toolFields(payload.tools),
    ...payload.sampling,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (payload.maxTokens !== undefined) body['max_tokens'] = payload.maxTokens;
  if (payload.stop?.length) body['stop'] = payload.stop;
  if (payload.responseFormat) body['response_format'] = payload.responseFormat;
  if (payload.logprobs !== undefined) Object.assign(body, chat ? { logprobs: true, top_logprobs: payload.logprobs } : { logprobs: payload.logprobs });

  const started = performance.now();
  const stall = new StallTimer(config.timeoutMs);
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, stall.signal]) : stall.signal;
  let text = '';
  let firstTokenMs = 0;
  let finish: 'stop' | 'length' | undefined;
  let usage = { prompt_tokens: 0, completion_tokens: 0 };
  // Relayed as the server sent them, when the request asks for them.
  const logprobs: TokenLogprob[] | null = payload.logprobs === undefined ? null : [];
  const finished = (reason: 'stop' | 'length' | 'abort'): GenerateResult => ({ ...result(text, usage, firstTokenMs, started, reason), ...(logprobs ? { logprobs } : {}) });
  const calls = new ToolCallText();
  const add = (delta: string, tokens: TokenLogprob[] = []): void => {
    if (!delta && tokens.length === 0) return;
    if (delta && !text) firstTokenMs = performance.now() - started;
    text += delta;
    logprobs?.push(...tokens);
    hooks.onDelta?.(delta, logprobs ? tokens : undefined);
  };
  try {
    const response = await remoteFetch(config, chat ? '/chat/completions' : '/completions', { method: 'POST', body: JSON.stringify(body) }, signal, stall);
    const events = sseData(decode(response.body!, stall));
    for (;;) {
      const next = await events.next();
      if (next.done) {
        // A stream that ends without [DONE] or a finish_reason was cut short, however cleanly.
        if (!next.value || !finish) throw new RemoteError('remote_stream_dropped', `The server ${config.baseUrl} closed the stream early (${next.value ? 'no finish_reason' : 'no [DONE]'}).`, { received: text.length });
        add(calls.end());
        return finished(finish);
      }
      const data = next.value;
      const event = JSON.parse(data) as ChatCompletionChunk | Completion | ErrorBody;
      if ('error' in event) throw new RemoteError('remote_server_error', event.error.message, { error: event.error });
      const choice = event.choices[0];
      add(choice ? ('delta' in choice ? (choice.delta.content ?? '') : choice.text) : '', logprobs ? remoteLogprobs(choice?.logprobs) : []);
      if (choice && 'delta' in choice && choice.delta.tool_calls) add(calls.push(choice.delta.tool_calls, text !== ''));
      if (choice?.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : 'stop';
      if (event.usage) usage = event.usage;
    }
  } catch (error) {
    // Stopped before the server answered, or mid-stream: either way a stop, not an error.
    if (hooks.signal?.aborted) return finished('abort');
    if (error instanceof CodedError) throw error;
    if (stall.fired) throw new RemoteError('remote_timeout', `No data from ${config.baseUrl} for ${config.timeoutMs / 1000} s in the middle of the answer.`);
    throw new RemoteError('remote_stream_dropped', `The stream from ${config.baseUrl} broke: ${String(error)}`, { received: text.length });
  } finally {
    stall.stop();
  }
}

function result(text: string, usage: { prompt_tokens: number; completion_tokens: number }, firstTokenMs: number, started: number, finishReason: 'stop' | 'length' | 'abort'): GenerateResult {
  const decodeMs = performance.now() - started - firstTokenMs;
  const decodeTokens = usage.completion_tokens;
  return {
    text,
    tokenIds: [],
    stats: {
      promptTokens: usage.prompt_tokens,
      reusedTokens: 0,
      prefillTokens: usage.prompt_tokens,
      prefillTokensPerSecond: firstTokenMs > 0 ? (usage.prompt_tokens / firstTokenMs) * 1000 : 0,
      decodeTokens,
      decodeTokensPerSecond: decodeTokens > 1 && decodeMs > 0 ? ((decodeTokens - 1) / decodeMs) * 1000 : 0,
      timeToFirstTokenMs: firstTokenMs,
      finishReason,
    },
  };
}

/** A timer that aborts when nothing arrives for `ms`; every piece of the answer resets it. */
class StallTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout>;
  fired = false;

  constructor(ms: number) {
    this.#ms = ms;
    this.#timer = setTimeout(() => this.#fire(), ms);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  reset(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fire(), this.#ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #fire(): void {
    this.fired = true;
    this.#controller.abort();
  }
}

async function* decode(body: ReadableStream<Uint8Array>, stall: StallTimer): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stall.reset();
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

/** fetch, with every failure as the error that explains it. */
export async function remoteFetch(config: RemoteConfig, path: string, init: RequestInit, signal?: AbortSignal, stall = new StallTimer(config.timeoutMs)): Promise<Response> {
  const url = `${config.baseUrl.replace(/\/+$/, '')}${path}`;
  if (!policyAllows(url)) {
    throw new RemoteError('remote_unreachable', `This app's Content-Security-Policy does not allow connecting to ${new URL(url, location.origin).origin}: whoever deploys the app must add it to VITE_CONNECT_SRC.`, { csp: true });
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.apiKey) headers['authorization'] = `Bearer ${config.apiKey}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers, signal: signal ? AbortSignal.any([signal, stall.signal]) : stall.signal });
  } catch (error) {
    if (stall.fired) throw new RemoteError('remote_timeout', `${init.method} ${url}: no answer within ${config.timeoutMs / 1000} s.`);
    if (signal?.aborted) throw new EngineError('aborted', 'Stopped.');
    throw await classifyNetworkError(url, error);
  } finally {
    if (!signal) stall.stop();
  }
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  const detail = errorMessage(text) ?? `${response.status} ${response.statusText}`;
  const body = { status: response.status, body: text.slice(0, 2000) };
  if (response.status === 401 || response.status === 403) throw new RemoteError('remote_unauthorized', detail, body);
  if (response.status === 404 && /model/i.test(detail)) throw new RemoteError('remote_model_not_found', detail, body);
  if (response.status === 404) throw new RemoteError('remote_bad_response', `${init.method} ${url}: 404 ${detail}`, body);
  if (response.status >= 500) throw new RemoteError('remote_server_error', detail, body);
  if (/context length|context_length|maximum context/i.test(detail)) throw new EngineError('context_length_exceeded', detail, body);
  throw new EngineError('invalid_request', detail, body);
}

/** A fetch that fails outright is either no server or a server that refuses this origin; only
 * a no-cors probe tells them apart (it succeeds, opaquely, whenever something answers). */
async function classifyNetworkError(url: string, error: unknown): Promise<RemoteError> {
  const reachable = await fetch(url, { mode: 'no-cors', signal: AbortSignal.timeout(5000) }).then(
    () => true,
    () => false,
  );
  return reachable
    ? new RemoteError('remote_cors', `${url} answered, but without Access-Control-Allow-Origin for ${location.origin}.`)
    : new RemoteError('remote_unreachable', `${url}: ${String(error)}`);
}

function errorMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody> & { message?: string; detail?: string };
    return body.error?.message ?? body.message ?? body.detail ?? null;
  } catch {
    return text.trim().slice(0, 300) || null;
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new RemoteError('remote_bad_response', `${response.url} did not return JSON.`);
  }
}
