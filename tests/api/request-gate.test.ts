// Who may call /v1 over HTTP, the body cap, and the per-origin limit on requests in progress.
import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/lib/api/admission.ts';
import type { ApiReply } from '../../workers/protocol/openai/relay.ts';
import { handleApiRequest, type ApiEngine } from '../../src/lib/api/api-handler.ts';
import { MAX_BODY_BYTES, readCappedBody, refusal, type GatedRequest } from '../../workers/protocol/openai/request-gate.ts';

const OWN = 'https://app.example';

function request(method: string, mode: string, headers: Record<string, string>): GatedRequest {
  return { method, mode, headers: new Headers(headers) };
}

describe('the /v1 request gate', () => {
  const json = { 'content-type': 'application/json' };
  it.each([
    ['a form post (a navigation)', request('POST', 'navigate', { 'content-type': 'text/plain' }), 403, 'navigation_refused'],
    ['a navigation with a JSON type', request('POST', 'navigate', json), 403, 'navigation_refused'],
    ['an address-bar visit', request('GET', 'navigate', {}), 403, 'navigation_refused'],
    ['Sec-Fetch-Mode navigate', request('POST', 'cors', { ...json, 'sec-fetch-mode': 'navigate' }), 403, 'navigation_refused'],
    ['a cross-site fetch', request('POST', 'cors', { ...json, 'sec-fetch-site': 'cross-site' }), 403, 'cross_origin_refused'],
    ['a same-site other origin', request('POST', 'cors', { ...json, 'sec-fetch-site': 'same-site' }), 403, 'cross_origin_refused'],
    ['another Origin', request('POST', 'cors', { ...json, origin: 'https://evil.example' }), 403, 'cross_origin_refused'],
    ['a no-cors text body', request('POST', 'no-cors', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
    ['no Content-Type', request('POST', 'cors', {}), 415, 'unsupported_media_type'],
    ['a form encoding', request('POST', 'cors', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'],
    ['a declared body over 1 MiB', request('POST', 'cors', { ...json, 'content-length': String(MAX_BODY_BYTES + 1) }), 413, 'request_too_large'],
  ])('refuses %s', (_name, incoming, status, code) => {
    const error = refusal(incoming, OWN);
    expect(error?.status).toBe(status);
    expect(error?.body.error.code).toBe(code);
    expect(error?.body.error.message.length).toBeGreaterThan(20);
  });

  it.each([
    ['a same-origin JSON post', request('POST', 'cors', { 'content-type': 'application/json; charset=utf-8', 'sec-fetch-site': 'same-origin', origin: OWN })],
    ['a console fetch', request('POST', 'cors', { ...json, 'sec-fetch-site': 'none' })],
    ['a same-origin GET', request('GET', 'cors', {})],
  ])('lets through %s', (_name, incoming) => {
    expect(refusal(incoming, OWN)).toBeNull();
  });

  it('caps a body with no declared length at 1 MiB', async () => {
    const big = new Blob([new Uint8Array(MAX_BODY_BYTES + 1)]).stream();
    await expect(readCappedBody(big)).rejects.toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
    expect(await readCappedBody(new Blob(['{"a":"你好"}']).stream())).toBe('{"a":"你好"}');
  });

  it('caps a bridge request body at 1 MiB before it is parsed', async () => {
    const engine: ApiEngine = { model: async () => null, generate: () => Promise.reject(new Error('must not run')) };
    const body = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(MAX_BODY_BYTES) }] });
    const response = await handleApiRequest(engine, { method: 'POST', path: '/v1/chat/completions', body }, new AbortController().signal);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body as string)).toMatchObject({ error: { code: 'request_too_large' } });
  });
});

describe('requests in progress per origin', () => {
  type Head = ApiReply & { type: 'head' };
  /** Serves one request whose answer waits for `release`; resolves with the head once it has ended. */
  function send(admission: Admission, origin: string, release: Promise<void>): Promise<Head> {
    const { port1, port2 } = new MessageChannel();
    const answered = new Promise<Head>((resolve) => {
      let head: Head | null = null;
      port1.onmessage = (event: MessageEvent<ApiReply>) => {
        if (event.data.type === 'head') head = event.data;
        if (event.data.type === 'end') {
          port1.close();
          resolve(head!);
        }
      };
    });
    void admission.serve(origin, port2, async () => {
      await release;
      return { status: 200, headers: {}, body: '{}' };
    });
    return answered;
  }

  it('answers 429 with Retry-After past the limit, for that origin only, until one finishes', async () => {
    const admission = new Admission(2, 7);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = send(admission, 'https://a.example', held);
    const second = send(admission, 'https://a.example', held);
    const third = await send(admission, 'https://a.example', held);
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('7');
    const other = send(admission, 'https://b.example', Promise.resolve());
    expect((await other).status).toBe(200);
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await send(admission, 'https://a.example', Promise.resolve())).status).toBe(200);
  });
});
