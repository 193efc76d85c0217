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
