// The /v1 handler against a scripted engine: routing, OpenAI-shaped errors with their statuses,
// what reaches the engine for each field, streamed vs whole answers, and usage.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/protocol/errors.ts';
import { handleApiRequest, type ApiEngine } from '../../src/lib/api/api-handler.ts';
import type { ApiResponse } from '../../workers/protocol/openai/relay.ts';
import type { GeneratePayload } from '../../workers/protocol/text-generator.ts';
import { sseData } from '../../workers/protocol/openai/sse.ts';

const MODEL = 'qwen-local-forge/Qwen2.5-Tiny-Instruct';

function fakeEngine(options: { loaded?: boolean; pieces?: string[]; fail?: EngineError; failAfter?: number } = {}): ApiEngine & { seen: GeneratePayload[] } {
  const seen: GeneratePayload[] = [];
  return {
    seen,
    model: async () => (options.loaded === false ? null : { id: MODEL, contextTokens: 64, loadedAt: 1_700_000_000 }),
    async generate(payload, { onDelta = () => undefined } = {}) {
      seen.push(payload);
      const pieces = options.pieces ?? ['Hel', 'lo', '!'];
      for (const [i, piece] of pieces.entries()) {
        if (options.fail && options.failAfter === i) throw options.fail;
        onDelta(piece);
      }
      if (options.fail && options.failAfter === undefined) throw options.fail;
      const stats = { promptTokens: 11, reusedTokens: 0, prefillTokens: 11, prefillTokensPerSecond: 1, decodeTokens: pieces.length + 1, decodeTokensPerSecond: 1, timeToFirstTokenMs: 1, finishReason: 'stop' as const };
      return { text: pieces.join(''), tokenIds: pieces.map((_, i) => i), stats };
    },
  };
}

async function call(engine: ApiEngine, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string; response: ApiResponse }> {
  const response = await handleApiRequest(engine, { method, path, body: typeof body === 'string' ? body : JSON.stringify(body) }, new AbortController().signal);
  let text = '';
  if (typeof response.body === 'string') text = response.body;
  else for await (const piece of response.body) text += piece;
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, json, text, response };
}

const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], ...extra });

describe('/v1 errors', () => {
  const cases: [string, string, string, unknown, number, Record<string, unknown>][] = [
    ['bad JSON', 'POST', '/v1/chat/completions', '{"model": ', 400, { type: 'invalid_request_error', code: null, param: null }],
    ['missing messages', 'POST', '/v1/chat/completions', { model: MODEL }, 400, { code: 'missing_required_parameter', param: 'messages' }],
    ['empty messages', 'POST', '/v1/chat/completions', chat({ messages: [] }), 400, { code: 'empty_array', param: 'messages' }],
    ['unknown role', 'POST', '/v1/chat/completions', chat({ messages: [{ role: 'wizard', content: 'x' }] }), 400, { code: 'invalid_value', param: 'messages[0].role' }],
    ['tool turn without its call id', 'POST', '/v1/chat/completions', chat({ messages: [{ role: 'tool', content: 'x' }] }), 400, { code: 'missing_required_parameter', param: 'messages[0].tool_call_id' }],
    ['function role', 'POST', '/v1/chat/completions', chat({ messages: [{ role: 'function', content: 'x' }] }), 400, { code: 'invalid_value', param: 'messages[0].role' }],
    ['image part', 'POST', '/v1/chat/completions', chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }), 400, { param: 'messages[0].content[0]' }],
    ['temperature too high', 'POST', '/v1/chat/completions', chat({ temperature: 3 }), 400, { code: 'decimal_above_max_value', param: 'temperature' }],
    ['temperature a string', 'POST', '/v1/chat/completions', chat({ temperature: 'hot' }), 400, { code: 'invalid_type', param: 'temperature' }],
    ['top_p negative', 'POST', '/v1/chat/completions', chat({ top_p: -0.1 }), 400, { code: 'decimal_below_min_value', param: 'top_p' }],
    ['repetition_penalty 0', 'POST', '/v1/chat/completions', chat({ repetition_penalty: 0 }), 400, { code: 'decimal_below_min_value', param: 'repetition_penalty' }],
    ['top_k fractional', 'POST', '/v1/chat/completions', chat({ top_k: 2.5 }), 400, { code: 'invalid_type', param: 'top_k' }],
    ['max_tokens 0', 'POST', '/v1/chat/completions', chat({ max_tokens: 0 }), 400, { code: 'integer_below_min_value', param: 'max_tokens' }],
    ['n = 2', 'POST', '/v1/chat/completions', chat({ n: 2 }), 400, { param: 'n' }],
    ['five stops', 'POST', '/v1/chat/completions', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 400, { code: 'array_above_max_length', param: 'stop' }],
    ['unknown field', 'POST', '/v1/chat/completions', chat({ frobnicate: 1 }), 400, { code: 'unknown_parameter', param: 'frobnicate' }],
    ['stream_options without stream', 'POST', '/v1/chat/completions', chat({ stream_options: { include_usage: true } }), 400, { param: 'stream_options' }],
    ['bad response_format', 'POST', '/v1/chat/completions', chat({ response_format: { type: 'xml' } }), 400, { param: 'response_format' }],
    ['unknown model', 'POST', '/v1/chat/completions', chat({ model: 'gpt-4o' }), 404, { code: 'model_not_found', param: 'model' }],
    ['prompt as token ids', 'POST', '/v1/completions', { model: MODEL, prompt: [1, 2, 3] }, 400, { param: 'prompt' }],
    ['echo', 'POST', '/v1/completions', { model: MODEL, prompt: 'x', echo: true }, 400, { param: 'echo' }],
    ['unknown URL', 'POST', '/v1/embeddings', { model: MODEL, input: 'x' }, 404, { code: 'unknown_url' }],
    ['wrong method', 'GET', '/v1/chat/completions', undefined, 405, { code: 'method_not_allowed' }],
  ];
  for (const [name, method, path, body, status, error] of cases) {
    it(`${name} → ${status}`, async () => {
      const engine = fakeEngine();
      const result = await call(engine, method, path, body);
      expect(result.status).toBe(status);
      expect((result.json as { error: unknown }).error).toMatchObject(error);
      expect((result.json as { error: { message: string } }).error.message.length).toBeGreaterThan(10);
      expect(engine.seen).toHaveLength(0);
    });
  }

  it('503 with how to load a model when none is loaded', async () => {
    const result = await call(fakeEngine({ loaded: false }), 'POST', '/v1/chat/completions', chat());
    expect(result.status).toBe(503);
    expect(result.json).toMatchObject({ error: { code: 'model_not_loaded', type: 'server_error' } });
    expect((result.json as { error: { message: string } }).error.message).toMatch(/Load/);
  });

  it('context_length_exceeded from the engine is a 400, streaming or not', async () => {
    const fail = new EngineError('context_length_exceeded', 'too long', { promptTokens: 70, contextTokens: 64 });
    for (const stream of [false, true]) {
      const result = await call(fakeEngine({ fail, pieces: [] }), 'POST', '/v1/chat/completions', chat({ stream }));
      expect(result.status).toBe(400);
      expect(result.json).toMatchObject({ error: { code: 'context_length_exceeded', param: 'messages' } });
      expect((result.json as { error: { message: string } }).error.message).toContain('maximum context length is 64 tokens');
      expect((result.json as { error: { message: string } }).error.message).toContain('70 tokens');
    }
  });

  it('a lost device or a crashed engine is a 503 (load again, then retry), not a server fault', async () => {
    for (const code of ['device_lost', 'engine_crashed'] as const) {
      const result = await call(fakeEngine({ fail: new EngineError(code, 'Load the model again'), pieces: [] }), 'POST', '/v1/chat/completions', chat());
      expect(result.status).toBe(503);
      expect(result.json).toMatchObject({ error: { code, type: 'server_error' } });
    }
  });

  it('a failure mid-stream arrives as an error event, then [DONE]', async () => {
    const result = await call(fakeEngine({ fail: new EngineError('out_of_memory', 'GPU out of memory'), failAfter: 2 }), 'POST', '/v1/chat/completions', chat({ stream: true }));
    expect(result.status).toBe(200);
    const events = result.text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events.at(-2)!.slice(6))).toMatchObject({ error: { code: 'out_of_memory' } });
  });
});

describe('/v1 answers', () => {
  it('lists the loaded model, and none when nothing is loaded', async () => {
    expect((await call(fakeEngine(), 'GET', '/v1/models')).json).toEqual({ object: 'list', data: [{ id: MODEL, object: 'model', created: 1_700_000_000, owned_by: 'qwen-local-forge', max_model_len: 64 }] });
    expect((await call(fakeEngine({ loaded: false }), 'GET', '/v1/models')).json).toEqual({ object: 'list', data: [] });
    expect((await call(fakeEngine(), 'GET', `/v1/models/${MODEL}`)).status).toBe(200);
    expect((await call(fakeEngine(), 'GET', '/v1/models/other')).status).toBe(404);
  });

  it('passes every field to the engine as the engine names it', async () => {
    const engine = fakeEngine();
    await call(engine, 'POST', '/v1/chat/completions', {
      model: 'qwen2.5-tiny-instruct',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
      ],
      temperature: 0.7,
      top_p: 0.9,
      top_k: -1,
      seed: 42,
      max_completion_tokens: 7,
      max_tokens: 99,
      stop: 'END',
      presence_penalty: 0.5,
      response_format: { type: 'json_object' },
    });
    expect(engine.seen[0]).toEqual({
      input: { mode: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi there' }] },
      sampling: { temperature: 0.7, top_p: 0.9, top_k: 0, seed: 42, presence_penalty: 0.5 },
      stop: ['END'],
      maxTokens: 7,
      responseFormat: { type: 'json_object' },
    });
    await call(engine, 'POST', '/v1/completions', { model: MODEL, prompt: ['Once upon'] });
    expect(engine.seen[1]).toEqual({ input: { mode: 'completion', prompt: 'Once upon' }, sampling: {}, stop: undefined, maxTokens: 16 });
  });

  it('a chat completion whole and streamed carry the same text, with exact usage', async () => {
    const whole = await call(fakeEngine(), 'POST', '/v1/chat/completions', chat());
    expect(whole.json).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
    });
    const streamed = await call(fakeEngine(), 'POST', '/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } }));
    expect(streamed.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const chunks: { choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[]; usage?: unknown }[] = [];
    for await (const data of sseData([streamed.text])) chunks.push(JSON.parse(data));
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello!');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(streamed.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('a text completion whole and streamed carry the same text', async () => {
    const whole = await call(fakeEngine(), 'POST', '/v1/completions', { model: MODEL, prompt: 'Hi' });
    expect(whole.json).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: 'Hello!', finish_reason: 'stop' }] });
    const streamed = await call(fakeEngine(), 'POST', '/v1/completions', { model: MODEL, prompt: 'Hi', stream: true });
    const chunks: { choices: { text: string; finish_reason: string | null }[] }[] = [];
    for await (const data of sseData([streamed.text])) chunks.push(JSON.parse(data));
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('Hello!');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});

const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const CALLED = [
  { role: 'user', content: 'Weather?' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '21 C' },
];

describe('/v1 tools', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['empty tools', { tools: [] }, { code: 'empty_array', param: 'tools' }],
    ['a tool of another type', { tools: [{ type: 'retrieval' }] }, { code: 'invalid_value', param: 'tools[0].type' }],
    ['a bad function name', { tools: [{ type: 'function', function: { name: 'get weather' } }] }, { code: 'invalid_value', param: 'tools[0].function.name' }],
    ['parameters not an object', { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }, { code: 'invalid_type', param: 'tools[0].function.parameters' }],
    ['the same name twice', { tools: [WEATHER, WEATHER] }, { code: 'invalid_value', param: 'tools' }],
    ['tool_choice without tools', { tool_choice: 'auto' }, { code: 'invalid_value', param: 'tool_choice' }],
    ['an unknown tool_choice', { tools: [WEATHER], tool_choice: 'always' }, { code: 'invalid_value', param: 'tool_choice' }],
    ['tool_choice naming no tool', { tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_time' } } }, { code: 'invalid_value', param: 'tool_choice' }],
    ['parallel_tool_calls not a boolean', { tools: [WEATHER], parallel_tool_calls: 'yes' }, { code: 'invalid_type', param: 'parallel_tool_calls' }],
    ['arguments as an object', { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] }, { code: 'invalid_type', param: 'messages[1].tool_calls[0].function.arguments' }],
    ['a tool turn answering no call', { messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_9', content: 'r' }] }, { code: 'invalid_value', param: 'messages[1].tool_call_id' }],
    ['assistant content null without calls', { messages: [{ role: 'assistant', content: null }] }, { code: 'missing_required_parameter', param: 'messages[0].content' }],
  ];
  for (const [name, extra, error] of cases) {
    it(`${name} → 400`, async () => {
      const engine = fakeEngine();
      const result = await call(engine, 'POST', '/v1/chat/completions', chat(extra));
      expect(result.status).toBe(400);
      expect((result.json as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', ...error });
      expect(engine.seen).toHaveLength(0);
    });
  }

  it('passes tools, the choice and the history of calls and results to the engine', async () => {
    const engine = fakeEngine();
    await call(engine, 'POST', '/v1/chat/completions', chat({ messages: CALLED, tools: [WEATHER], parallel_tool_calls: false }));
    await call(engine, 'POST', '/v1/chat/completions', chat({ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } } }));
    expect(engine.seen[0]!.tools).toEqual({ tools: [WEATHER], choice: 'auto', parallel: false });
    expect(engine.seen[0]!.input).toEqual({
      mode: 'chat',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: CALLED[1]!.tool_calls },
        { role: 'tool', content: '21 C', toolCallId: 'call_1' },
      ],
    });
    expect(engine.seen[1]!.tools).toEqual({ tools: [WEATHER], choice: { type: 'function', function: { name: 'get_weather' } }, parallel: true });
  });

  it('an engine refusal of a parameters schema is a 400 naming the tool, streaming or not', async () => {
    const fail = new EngineError('invalid_request', 'tools[0].function.parameters: "pattern" is not supported (keyword "pattern" at /properties/a/pattern)', { param: 'tools[0].function.parameters', keyword: 'pattern', path: '/properties/a/pattern' });
    for (const stream of [false, true]) {
      const result = await call(fakeEngine({ fail, pieces: [] }), 'POST', '/v1/chat/completions', chat({ tools: [WEATHER], stream }));
      expect(result.status).toBe(400);
      expect(result.json).toMatchObject({ error: { param: 'tools[0].function.parameters', message: expect.stringContaining('/properties/a/pattern') } });
    }
  });

  const CALLS = ['Let me check.\n', '<tool_call>', '\n{"name": "get_', 'weather", "arguments": {"city":', '"Paris"}', '}\n</tool_call>', '\n', '<tool_call>', '\n{"name": "get_weather", "arguments": {}}\n</tool_call>'];

  it('answers tool calls in OpenAI\'s shape: content before them, JSON-text arguments, finish_reason tool_calls', async () => {
    const result = await call(fakeEngine({ pieces: CALLS }), 'POST', '/v1/chat/completions', chat({ tools: [WEATHER] }));
    const choice = (result.json as { choices: { message: { content: string | null; tool_calls: { id: string }[] }; finish_reason: string }[] }).choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message).toMatchObject({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { type: 'function', function: { name: 'get_weather', arguments: '{}' } },
      ],
    });
    expect(choice.message.tool_calls[0]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    const only = await call(fakeEngine({ pieces: CALLS.slice(1, 6) }), 'POST', '/v1/chat/completions', chat({ tools: [WEATHER], tool_choice: 'required' }));
    expect((only.json as { choices: { message: { content: unknown } }[] }).choices[0]!.message.content).toBeNull();
  });

  it('streams a call as OpenAI does: a first delta naming it, then its arguments in pieces, and the same calls as the whole answer', async () => {
    const result = await call(fakeEngine({ pieces: CALLS }), 'POST', '/v1/chat/completions', chat({ tools: [WEATHER], stream: true }));
    const data: string[] = [];
    for await (const d of sseData([result.text])) data.push(d);
    const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as { choices: { delta: { content?: string; tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments: string } }[] }; finish_reason: string | null }[] });
    const deltas = chunks.map((c) => c.choices[0]!.delta);
    let content = '';
    const calls: { id: string; name: string; arguments: string }[] = [];
    for (const delta of deltas) {
      content += delta.content ?? '';
      for (const piece of delta.tool_calls ?? []) {
        if (piece.id) {
          expect(piece).toMatchObject({ index: calls.length, type: 'function', function: { arguments: '' } });
          calls.push({ id: piece.id, name: piece.function.name!, arguments: '' });
        } else calls[piece.index]!.arguments += piece.function.arguments;
      }
    }
    expect(content).toBe('Let me check.');
    expect(calls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
      { name: 'get_weather', args: '{"city":"Paris"}' },
      { name: 'get_weather', args: '{}' },
    ]);
    expect(deltas.filter((d) => d.tool_calls?.some((t) => t.function.arguments && !t.id)).length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('tool_choice none: the text is content, even if it spells a call', async () => {
    const result = await call(fakeEngine({ pieces: CALLS.slice(1, 6) }), 'POST', '/v1/chat/completions', chat({ tools: [WEATHER], tool_choice: 'none' }));
    const choice = (result.json as { choices: { message: { content: string; tool_calls?: unknown }; finish_reason: string }[] }).choices[0]!;
    expect(choice.message.tool_calls).toBeUndefined();
    expect(choice.message.content).toContain('<tool_call>');
    expect(choice.finish_reason).toBe('stop');
  });
});
