// A remote stream is complete only with a finish_reason and [DONE]; one that just closes is an
// error that still carries how much text arrived. A stop, even before the server answers, is an
// answer with finishReason 'abort'.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RemoteGenerator } from '../../src/lib/services/remote-client.ts';
import { RemoteError } from '../../workers/protocol/errors.ts';
import type { GeneratePayload } from '../../workers/protocol/text-generator.ts';

const config = { baseUrl: 'http://remote.test/v1', apiKey: '', timeoutMs: 5000 };
const payload: GeneratePayload = { input: { mode: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, sampling: {} };

function chunk(content: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
}

function serve(body: string): void {
  vi.stubGlobal('fetch', () => Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })));
}

const remote = new RemoteGenerator(() => config, () => 'm');

async function generate(signal = new AbortController().signal): Promise<{ deltas: string; result?: unknown; error?: unknown }> {
  let deltas = '';
  try {
    const result = await remote.generate(payload, { onDelta: (d) => (deltas += d), signal });
    return { deltas, result };
  } catch (error) {
    return { deltas, error };
  }
}

beforeEach(() => {
  vi.stubGlobal('location', { origin: 'http://app.test' });
  vi.stubEnv('VITE_CONNECT_SRC', 'http://remote.test');
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe('RemoteGenerator and the Content-Security-Policy', () => {
  it('refuses a server the connect-src policy does not list, saying how to allow it', async () => {
    vi.stubEnv('VITE_CONNECT_SRC', '');
    serve('data: [DONE]\n\n');
    const { error } = await generate();
    expect((error as RemoteError).code).toBe('remote_unreachable');
    expect((error as RemoteError).message).toMatch(/Content-Security-Policy does not allow connecting to http:\/\/remote\.test: .*VITE_CONNECT_SRC/);
  });
});

describe('RemoteGenerator stream end', () => {
  it('completes with a finish_reason and [DONE]', async () => {
    serve(chunk('Hel') + chunk('lo', 'stop') + 'data: [DONE]\n\n');
    const { result, error } = await generate();
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ text: 'Hello', stats: { finishReason: 'stop' } });
  });

  it('a stream that closes without [DONE] is an error, and the partial text was delivered', async () => {
    serve(chunk('Hel') + chunk('lo'));
    const { deltas, error } = await generate();
    expect(deltas).toBe('Hello');
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('remote_stream_dropped');
    expect((error as RemoteError).message).toMatch(/closed the stream early/);
  });

  it('[DONE] without any finish_reason is an error too', async () => {
    serve(chunk('Hel') + 'data: [DONE]\n\n');
    const { error } = await generate();
    expect((error as RemoteError).code).toBe('remote_stream_dropped');
  });
});

describe('RemoteGenerator stop', () => {
  it('a stop before the server answers resolves with no text and finishReason abort', async () => {
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))));
    const controller = new AbortController();
    const pending = generate(controller.signal);
    controller.abort();
    const { result, error } = await pending;
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ text: '', stats: { finishReason: 'abort' } });
  });
});

describe('RemoteGenerator logprobs', () => {
  const top = [{ token: 'Hi', logprob: -0.1, bytes: [72, 105] }];
  it('asks the server in its shape and relays what it returns with each delta', async () => {
    const bodies: Record<string, unknown>[] = [];
    const chatChunk = (content: string, logprobs: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, logprobs, finish_reason: finish }] })}\n\n`;
    const hi = { token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: top };
    const bang = { token: '!', logprob: -2, bytes: null, top_logprobs: [] };
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return Promise.resolve(new Response(chatChunk('Hi', { content: [hi], refusal: null }) + chatChunk('!', { content: [bang], refusal: null }, 'stop') + 'data: [DONE]\n\n'));
    });
    const streamed: unknown[] = [];
    const result = await remote.generate({ ...payload, logprobs: 1 }, { onDelta: (_d, logprobs) => streamed.push(logprobs) });
    expect(bodies[0]).toMatchObject({ logprobs: true, top_logprobs: 1 });
    const relayed = [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top }, { token: '!', logprob: -2, bytes: [33], top: [] }];
    expect(result.logprobs).toEqual(relayed);
    expect(streamed).toEqual([[relayed[0]], [relayed[1]]]);
  });

  it('reads the completions shape, and asks nothing when the request does not', async () => {
    const bodies: Record<string, unknown>[] = [];
    const textChunk = (text: string, logprobs: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'text_completion', created: 0, model: 'm', choices: [{ index: 0, text, logprobs, finish_reason: finish }] })}\n\n`;
    const logprobs = { tokens: ['Hi'], token_logprobs: [-0.1], top_logprobs: [{ Hi: -0.1, Ho: -3 }], text_offset: [0] };
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return Promise.resolve(new Response(textChunk('Hi', logprobs, 'stop') + 'data: [DONE]\n\n'));
    });
    const completion: GeneratePayload = { input: { mode: 'completion', prompt: 'Say' }, sampling: {} };
    const result = await remote.generate({ ...completion, logprobs: 1 });
    expect(bodies[0]).toMatchObject({ logprobs: 1 });
    expect(bodies[0]).not.toHaveProperty('top_logprobs');
    expect(result.logprobs).toEqual([{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top: [top[0], { token: 'Ho', logprob: -3, bytes: [72, 111] }] }]);
    const plain = await remote.generate(completion);
    expect(bodies[1]).not.toHaveProperty('logprobs');
    expect(plain).not.toHaveProperty('logprobs');
  });
});

describe('RemoteGenerator and tool calls', () => {
  const toolChunk = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  it('sends tools and tool turns in OpenAI\'s shape, and writes streamed calls back as Qwen2.5\'s <tool_call> text', async () => {
    let sent: Record<string, unknown> = {};
    const body =
      toolChunk({ content: 'Checking.' }) +
      toolChunk({ tool_calls: [{ index: 0, id: 'x', type: 'function', function: { name: 'get_weather' } }] }) +
      toolChunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] }) +
      toolChunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }) +
      toolChunk({ tool_calls: [{ index: 1, id: 'y', type: 'function', function: { name: 'now', arguments: '{}' } }] }) +
      toolChunk({}, 'tool_calls') +
      'data: [DONE]\n\n';
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      sent = JSON.parse(String(init.body)) as Record<string, unknown>;
      return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather' } }];
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } };
    const result = await remote.generate({
      input: { mode: 'chat', messages: [{ role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', content: 'sunny', toolCallId: 'call_1' }] },
      tools: { tools, choice: 'required', parallel: false },
    });
    expect(sent).toMatchObject({
      messages: [{ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', content: 'sunny', tool_call_id: 'call_1' }],
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(result.text).toBe('Checking.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "now", "arguments": {}}\n</tool_call>');
    expect(result.stats.finishReason).toBe('stop');
  });
});
