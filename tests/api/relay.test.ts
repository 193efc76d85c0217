// The relay between the Service Worker (readReply) and the app tab (answerOnPort) over a real
// MessageChannel, with a scripted engine: a client that goes away, a timeout, a silent tab and a
// lost tab each stop the generation, and the client gets an error rather than a hang.
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/protocol/errors.ts';
import { answerOnPort } from '../../src/lib/api/answer-on-port.ts';
import { handleApiRequest, type ApiEngine } from '../../src/lib/api/api-handler.ts';
import type { ApiReply, ApiResponse } from '../../workers/protocol/openai/relay.ts';
import { readReply, type ReplyLimits } from '../../workers/sw/read-reply.ts';
import { sseData } from '../../workers/protocol/openai/sse.ts';

const MODEL = 'qwen-local-forge/Qwen2.5-Tiny-Instruct';
const LONG = 60_000;
const channels: MessageChannel[] = [];

afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** An engine that sends `deltas`, then generates until it is aborted (and says when it was). */
function endlessEngine(deltas: string[]): { engine: ApiEngine; aborted: Promise<void>; calls: () => number } {
  let markAborted!: () => void;
  let calls = 0;
  const aborted = new Promise<void>((resolve) => (markAborted = resolve));
  const engine: ApiEngine = {
    model: async () => ({ id: MODEL, contextTokens: 64, loadedAt: 1 }),
    generate: (_payload, { onDelta = () => undefined, signal } = {}) =>
      new Promise((_resolve, reject) => {
        calls += 1;
        for (const delta of deltas) onDelta(delta);
        signal?.addEventListener('abort', () => {
          markAborted();
          reject(new EngineError('aborted', 'aborted'));
        });
      }),
  };
  return { engine, aborted, calls: () => calls };
}

function relay(engine: ApiEngine, body: unknown, limits: ReplyLimits): Promise<ApiResponse> {
  const channel = new MessageChannel();
  channels.push(channel);
  void answerOnPort(channel.port2, (signal) => handleApiRequest(engine, { method: 'POST', path: '/v1/chat/completions', body: JSON.stringify(body) }, signal));
  return readReply(channel.port1, limits);
}

const chat = (stream: boolean): Record<string, unknown> => ({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream });

async function events(response: ApiResponse): Promise<string[]> {
  if (typeof response.body === 'string') throw new Error('expected a stream');
  const all: string[] = [];
  for await (const data of sseData(response.body)) all.push(data);
  return all;
}

describe('the /v1 relay', () => {
  it('passes a whole answer through and ends', async () => {
    const engine: ApiEngine = {
      model: async () => ({ id: MODEL, contextTokens: 64, loadedAt: 1 }),
      generate: async (_p, { onDelta = () => undefined } = {}) => {
        onDelta('Hi');
        return { text: 'Hi', tokenIds: [1], stats: { promptTokens: 1, reusedTokens: 0, prefillTokens: 1, prefillTokensPerSecond: 1, decodeTokens: 1, decodeTokensPerSecond: 1, timeToFirstTokenMs: 1, finishReason: 'stop' } };
      },
    };
    const response = await relay(engine, chat(true), { headTimeoutMs: LONG, idleTimeoutMs: LONG });
    const data = await events(response);
    expect(JSON.parse(data[0]!)).toMatchObject({ object: 'chat.completion.chunk' });
    expect(data.some((d) => d.includes('"finish_reason":"stop"'))).toBe(true);
  });

  it('a client that cancels mid-stream stops the engine', async () => {
    const { engine, aborted } = endlessEngine(['Hel', 'lo']);
    const client = new AbortController();
    const response = await relay(engine, chat(true), { signal: client.signal, headTimeoutMs: LONG, idleTimeoutMs: LONG });
    expect(response.status).toBe(200);
    client.abort();
    await aborted;
  }, 5_000);

  it('a client that cancels before the head stops the engine and gets no answer', async () => {
    const { engine, aborted } = endlessEngine([]);
    const client = new AbortController();
    const reply = relay(engine, chat(false), { signal: client.signal, headTimeoutMs: LONG, idleTimeoutMs: LONG });
    client.abort();
    await expect(reply).rejects.toMatchObject({ status: 499 });
    await aborted;
  }, 5_000);

  it('a tab that takes too long for the head is stopped and the client gets a 504', async () => {
    const { engine, aborted } = endlessEngine([]);
    await expect(relay(engine, chat(false), { headTimeoutMs: 1, idleTimeoutMs: LONG })).rejects.toMatchObject({ status: 504, body: { error: { code: 'app_timeout' } } });
    await aborted;
  }, 5_000);

  it('a stream that goes silent after the head ends with an error event, and the engine stops', async () => {
    const { engine, aborted } = endlessEngine(['Hel']);
    const response = await relay(engine, chat(true), { headTimeoutMs: LONG, idleTimeoutMs: 1 });
    const data = await events(response);
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: 'app_timeout', type: 'server_error' } });
    await aborted;
  }, 5_000);

  it('a tab lost mid-stream ends the stream with an error event', async () => {
    const { port1, port2 } = new MessageChannel();
    channels.push({ port1, port2 } as MessageChannel);
    let tabOpen = true;
    const reply = readReply(port1, { headTimeoutMs: LONG, idleTimeoutMs: LONG, alive: async () => tabOpen, aliveCheckMs: 1 });
    const send = (message: ApiReply): void => port2.postMessage(message);
    send({ type: 'head', status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    send({ type: 'chunk', data: 'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n' });
    const response = await reply;
    if (typeof response.body === 'string') throw new Error('expected a stream');
    const data: string[] = [];
    for await (const event of sseData(response.body)) {
      data.push(event);
      tabOpen = false; // the tab crashes after its first piece, never sending the end
    }
    expect(data[0]).toContain('Hel');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: 'app_tab_lost', type: 'server_error' } });
  }, 5_000);

  it('a tab lost before a whole answer gives the client an error status', async () => {
    const { port1 } = new MessageChannel();
    await expect(readReply(port1, { headTimeoutMs: LONG, idleTimeoutMs: LONG, alive: async () => false, aliveCheckMs: 1 })).rejects.toMatchObject({ status: 502, body: { error: { code: 'app_tab_lost' } } });
    port1.close();
  }, 5_000);
});
