// A typed client in the shape of the official `openai` package, for pages that embed the engine
// directly (no HTTP) or talk to an embedded app through postMessage: the transport decides how
// a request travels; `create({ stream: true })` returns an async iterator of chunks.
import type { ApiRequest, ApiResponse } from './relay.ts';
import { sseData } from './sse.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  Completion,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
  ErrorBody,
  ModelList,
} from './wire.ts';

export type Transport = (request: ApiRequest) => Promise<ApiResponse>;

/** An error answer, with OpenAI's status and error object (as the `openai` package's APIError). */
export class ApiClientError extends Error {
  readonly status: number;
  readonly error: ErrorBody['error'];

  constructor(status: number, body: ErrorBody) {
    super(`${status} ${body.error.message}`);
    this.name = 'ApiClientError';
    this.status = status;
    this.error = body.error;
  }
}

export interface QwenLocalClient {
  models: { list(): Promise<ModelList> };
  chat: {
    completions: {
      create(params: ChatCompletionCreateParamsStreaming): Promise<AsyncIterable<ChatCompletionChunk>>;
      create(params: ChatCompletionCreateParamsNonStreaming): Promise<ChatCompletion>;
    };
  };
  completions: {
    create(params: CompletionCreateParamsStreaming): Promise<AsyncIterable<Completion>>;
    create(params: CompletionCreateParamsNonStreaming): Promise<Completion>;
  };
}

export function createClient(transport: Transport): QwenLocalClient {
  const post = async (path: string, params: { stream?: boolean | null }): Promise<unknown> => {
    const response = await send(transport, { method: 'POST', path, body: JSON.stringify(params) });
    return params.stream ? chunks(response) : JSON.parse(await text(response));
  };
  return {
    models: { list: async () => JSON.parse(await text(await send(transport, { method: 'GET', path: '/v1/models' }))) as ModelList },
    chat: { completions: { create: ((params: { stream?: boolean | null }) => post('/v1/chat/completions', params)) as QwenLocalClient['chat']['completions']['create'] } },
    completions: { create: ((params: { stream?: boolean | null }) => post('/v1/completions', params)) as QwenLocalClient['completions']['create'] },
  };
}

async function send(transport: Transport, request: ApiRequest): Promise<ApiResponse> {
  const response = await transport(request);
  if (response.status >= 400) throw new ApiClientError(response.status, JSON.parse(await text(response)) as ErrorBody);
  return response;
}

async function text(response: ApiResponse): Promise<string> {
  if (typeof response.body === 'string') return response.body;
  let all = '';
  for await (const piece of response.body) all += piece;
  return all;
}

async function* chunks<T>(response: ApiResponse): AsyncGenerator<T> {
  for await (const data of sseData(typeof response.body === 'string' ? [response.body] : response.body)) {
    const value = JSON.parse(data) as T | ErrorBody;
    if (typeof value === 'object' && value !== null && 'error' in value) throw new ApiClientError(response.status, value);
    yield value;
  }
}
