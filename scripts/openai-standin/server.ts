// A stand-in for vLLM in the tests (vLLM cannot run on these machines): an OpenAI-compatible
// server on loopback that follows the wire format — SSE with usage, vLLM's error bodies and
// prompt logprobs, logprobs of the answer, tool calls as vLLM's hermes parser returns them — and
// fails on purpose: a model that answers 500, one that stalls, one whose stream drops; no CORS
// headers or a wrong key when told. It logs every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerLogprob, answerWords, promptLogprobs, tokenId, tokenize, type StandinLogprob } from './text.ts';

export interface StandinOptions {
  port: number;
  models: string[];
  /** Origins sent Access-Control-Allow-Origin; null sends no CORS headers at all. */
  allowOrigins: string[] | null;
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Pause between two streamed words. */
  wordDelayMs?: number;
  /** false: ignore vLLM's prompt_logprobs, as OpenAI's own API and most other servers do. */
  promptLogprobs?: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  origin: string | null;
  authorization: string | null;
  body: Record<string, unknown> | null;
  /** The client went away before the answer ended (a stop). */
  aborted: boolean;
}

/** Models with scripted failures, usable next to the real list. */
export const FAILING = { serverError: 'standin/boom-500', stall: 'standin/stall', drop: 'standin/drop-stream', gone: 'standin/unloaded' } as const;

export class OpenAIStandin {
  readonly log: LoggedRequest[] = [];
  readonly #server: Server;
  readonly #options: StandinOptions;

  private constructor(options: StandinOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: StandinOptions): Promise<OpenAIStandin> {
    const standin = new OpenAIStandin(options);
    await new Promise<void>((resolve) => standin.#server.listen(options.port, '127.0.0.1', resolve));
    return standin;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#options.port}/v1`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin ?? null;
    const allowed = this.#options.allowOrigins;
    if (allowed && origin && allowed.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'authorization, content-type');
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const text = await readBody(req);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    const entry: LoggedRequest = { method: req.method ?? '', path: req.url ?? '', origin, authorization: req.headers.authorization ?? null, body, aborted: false };
    this.log.push(entry);
    res.on('close', () => (entry.aborted = !res.writableFinished));

    if (this.#options.apiKey && req.headers.authorization !== `Bearer ${this.#options.apiKey}`) {
      return error(res, 401, 'AuthenticationError', 'Unauthorized: invalid or missing API key.');
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      const data = this.#options.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'vllm', max_model_len: 32_768 }));
      return json(res, 200, { object: 'list', data });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions') && body) {
      return this.#complete(res, path.endsWith('chat/completions'), body);
    }
    return error(res, 404, 'NotFoundError', `Not Found: ${req.method} ${path}`);
  }

  async #complete(res: ServerResponse, chat: boolean, body: Record<string, unknown>): Promise<void> {
    const model = String(body['model']);
    if (model === FAILING.serverError) return error(res, 500, 'InternalServerError', 'CUDA out of memory. Tried to allocate 2.00 GiB.');
    if (model === FAILING.gone || (!this.#options.models.includes(model) && !Object.values(FAILING).includes(model as never))) {
      return error(res, 404, 'NotFoundError', `The model \`${model}\` does not exist.`);
    }
    if (model === FAILING.stall) return; // never answers; the client's timeout must end it
    const prompt = chat ? JSON.stringify(body['messages']) : String(body['prompt']);
    if (!chat && body['prompt_logprobs'] !== undefined && this.#options.promptLogprobs !== false) {
      const id = `cmpl-${this.log.length}`;
      const text = String(body['prompt']);
      const choice = { index: 0, text: '', finish_reason: 'length', logprobs: null, prompt_logprobs: promptLogprobs(model, text, Number(body['prompt_logprobs'])) };
      const ids = body['return_token_ids'] === true ? { prompt_token_ids: tokenize(text).map(tokenId) } : {};
      return json(res, 200, { id, object: 'text_completion', created: 0, model, choices: [{ ...choice, ...ids }], usage: null });
    }
    const call = chat ? toolCall(body) : null;
    if (call) return this.#callTool(res, body, call);
    const maxTokens = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : 16;
    const words = answerWords(model, prompt).slice(0, maxTokens);
    const finish = words.length === maxTokens ? 'length' : 'stop';
    const usage = { prompt_tokens: prompt.split(/\s+/).length, completion_tokens: words.length, total_tokens: prompt.split(/\s+/).length + words.length };
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${this.log.length}`;
    // Each word is one token: chat's logprobs: true with top_logprobs, or completions' logprobs: n.
    const top = chat ? (body['logprobs'] === true ? Number(body['top_logprobs'] ?? 0) : null) : typeof body['logprobs'] === 'number' ? body['logprobs'] : null;
    const logprobs = (from: number, to: number): Record<string, unknown> | null => {
      if (top === null) return null;
      const entries = words.slice(from, to).map((word, i) => answerLogprob(model, prompt, from + i, word, top));
      return chat ? { content: entries, refusal: null } : completionLogprobs(entries, words.slice(0, from).join('').length);
    };
    const piece = (text: string, reason: string | null, at: number): Record<string, unknown> =>
      chat
        ? { id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: { content: text }, logprobs: text ? logprobs(at, at + 1) : null, finish_reason: reason }] }
        : { id, object: 'text_completion', created: 0, model, choices: [{ index: 0, text, logprobs: text ? logprobs(at, at + 1) : null, finish_reason: reason }] };
    if (body['stream'] !== true) {
      const text = words.join('');
      const all = logprobs(0, words.length);
      const choice = chat ? { index: 0, message: { role: 'assistant', content: text }, logprobs: all, finish_reason: finish } : { index: 0, text, logprobs: all, finish_reason: finish };
      return json(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created: 0, model, choices: [choice], usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const [i, word] of words.entries()) {
      if (res.destroyed) return;
      if (model === FAILING.drop && i === 3) return void res.destroy();
      res.write(`data: ${JSON.stringify(piece(word, null, i))}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, this.#options.wordDelayMs ?? 20));
    }
    res.write(`data: ${JSON.stringify(piece('', finish, words.length))}\n\n`);
    const streamOptions = body['stream_options'] as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) res.write(`data: ${JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: 0, model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  /** One tool call, whole or streamed as vLLM streams it: the name first, then the arguments in pieces. */
  #callTool(res: ServerResponse, body: Record<string, unknown>, call: { name: string; arguments: string }): void {
    const id = `chatcmpl-${this.log.length}`;
    const model = String(body['model']);
    const callId = `chatcmpl-tool-${this.log.length}`;
    const usage = { prompt_tokens: 10, completion_tokens: 12, total_tokens: 22 };
    if (body['stream'] !== true) {
      const message = { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: call }] };
      return json(res, 200, { id, object: 'chat.completion', created: 0, model, choices: [{ index: 0, message, finish_reason: 'tool_calls' }], usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (delta: unknown, finish: string | null): boolean => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    send({ role: 'assistant', content: '' }, null);
    send({ tool_calls: [{ id: callId, type: 'function', index: 0, function: { name: call.name } }] }, null);
    const half = Math.ceil(call.arguments.length / 2);
    for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) send({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null);
    send({}, 'tool_calls');
    const streamOptions = body['stream_options'] as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  }
}

/** The call a request with tools gets when it must call one ('required' or a named function):
 * that tool, each of its parameters' properties set to "standin". */
function toolCall(body: Record<string, unknown>): { name: string; arguments: string } | null {
  const tools = body['tools'] as { function: { name: string; parameters?: { properties?: Record<string, unknown> } } }[] | undefined;
  const choice = body['tool_choice'] as string | { function: { name: string } } | undefined;
  if (!tools?.length || (choice !== 'required' && typeof choice !== 'object')) return null;
  const tool = typeof choice === 'object' ? tools.find((t) => t.function.name === choice.function.name) : tools[0];
  if (!tool) return null;
  const args = Object.fromEntries(Object.keys(tool.function.parameters?.properties ?? {}).map((key) => [key, 'standin']));
  return { name: tool.function.name, arguments: JSON.stringify(args) };
}

/** Completions' shape of chat-shaped entries, as vLLM gives it: the chosen token among its top. */
function completionLogprobs(entries: StandinLogprob[], offset: number): Record<string, unknown> {
  let at = offset;
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries([...e.top_logprobs, e].map((c) => [c.token, c.logprob]))),
    text_offset: entries.map((e) => {
      const start = at;
      at += e.token.length;
      return start;
    }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** vLLM's error body. */
function error(res: ServerResponse, status: number, type: string, message: string): void {
  json(res, status, { object: 'error', message, type, param: null, code: status });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
