// /v1 logprobs against a scripted engine: what the engine is asked for, OpenAI's two response
// shapes whole and streamed (the same entries either way), and the 400s for out-of-range fields.
import { describe, expect, it } from 'vitest';
import { handleApiRequest, type ApiEngine } from '../../src/lib/api/api-handler.ts';
import type { TokenLogprob } from '../../workers/protocol/logprobs.ts';
import { sseData } from '../../workers/protocol/openai/sse.ts';
import type { GeneratePayload } from '../../workers/protocol/text-generator.ts';

const MODEL = 'qwen-local-forge/Qwen2.5-Tiny-Instruct';
const utf8 = (text: string): number[] => Array.from(new TextEncoder().encode(text));

function entry(token: string, logprob: number, top: [string, number][], bytes = utf8(token)): TokenLogprob {
  return { token, logprob, bytes, top: top.map(([t, l]) => ({ token: t, logprob: l, bytes: utf8(t) })) };
}

// '你' split over two byte-level tokens: the first is half a character, shown as U+FFFD.
const HALF = entry('\uFFFD', -0.5, [['\uFFFD', -0.5], ['x', -1.5]], [0xe4, 0xbd]);
const PIECES: { text: string; logprobs: TokenLogprob[] }[] = [
  { text: 'Hi', logprobs: [entry('Hi', -0.1, [['Hi', -0.1], ['Hello', -2.5]])] },
  { text: ' 你', logprobs: [entry(' ', -0.2, [[' ', -0.2], ['!', -1.8]]), HALF, entry('\uFFFD', -0.01, [['\uFFFD', -0.01]], [0xa0])] },
  // The stop string's tokens: no text, logprobs still.
  { text: '', logprobs: [entry('END', -3, [['!', -0.3], ['.', -1]])] },
];
const ALL = PIECES.flatMap((p) => p.logprobs);

function engine(): ApiEngine & { seen: GeneratePayload[] } {
  const seen: GeneratePayload[] = [];
  return {
    seen,
    model: async () => ({ id: MODEL, contextTokens: 64, loadedAt: 1_700_000_000 }),
    async generate(payload, { onDelta = () => undefined } = {}) {
      seen.push(payload);
      for (const piece of PIECES) onDelta(piece.text, payload.logprobs === undefined ? undefined : piece.logprobs);
      const stats = { promptTokens: 5, reusedTokens: 0, prefillTokens: 5, prefillTokensPerSecond: 1, decodeTokens: 5, decodeTokensPerSecond: 1, timeToFirstTokenMs: 1, finishReason: 'stop' as const };
      return { text: 'Hi 你', tokenIds: [], stats, ...(payload.logprobs === undefined ? {} : { logprobs: ALL }) };
    },
  };
}

async function post(e: ApiEngine, path: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await handleApiRequest(e, { method: 'POST', path, body: JSON.stringify(body) }, new AbortController().signal);
  let text = '';
  if (typeof response.body === 'string') text = response.body;
  else for await (const piece of response.body) text += piece;
  return { status: response.status, text };
}

async function events(text: string): Promise<any[]> {
  const out: any[] = [];
  for await (const data of sseData([text])) out.push(JSON.parse(data));
  return out;
}

const chat = (extra: Record<string, unknown>) => ({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], ...extra });
const completion = (extra: Record<string, unknown>) => ({ model: MODEL, prompt: 'Say', ...extra });

const CHAT_CONTENT = ALL.map((e) => ({ token: e.token, logprob: e.logprob, bytes: e.bytes, top_logprobs: e.top }));

describe('/v1/chat/completions logprobs', () => {
  it('asks the engine for top_logprobs alternatives only when logprobs is true', async () => {
    const e = engine();
    await post(e, '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 2 }));
    await post(e, '/v1/chat/completions', chat({ logprobs: true }));
    await post(e, '/v1/chat/completions', chat({ logprobs: false }));
    await post(e, '/v1/chat/completions', chat({}));
    expect(e.seen.map((p) => p.logprobs)).toEqual([2, 0, undefined, undefined]);
    expect(e.seen.slice(2).every((p) => !('logprobs' in p))).toBe(true);
  });

  it('answers whole with choices[0].logprobs = { content, refusal: null }, and none unasked', async () => {
    const whole = JSON.parse((await post(engine(), '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 2 }))).text);
    expect(whole.choices[0].logprobs).toEqual({ content: CHAT_CONTENT, refusal: null });
    const plain = JSON.parse((await post(engine(), '/v1/chat/completions', chat({}))).text);
    expect(plain.choices[0].logprobs).toBeNull();
  });

  it('streams each delta with its own tokens, which together are the whole answer\'s', async () => {
    const chunks = await events((await post(engine(), '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 2, stream: true }))).text);
    const content = chunks.filter((c) => c.choices[0]?.delta.content !== undefined && c.choices[0].logprobs);
    expect(content.map((c) => c.choices[0].delta.content)).toEqual(['Hi', ' 你', '']);
    expect(content.map((c) => c.choices[0].logprobs.content.length)).toEqual([1, 3, 1]);
    expect(content.flatMap((c) => c.choices[0].logprobs.content)).toEqual(CHAT_CONTENT);
    // The role chunk and the finish chunk carry no tokens.
    expect(chunks[0].choices[0].logprobs).toBeNull();
    expect(chunks.at(-1).choices[0].logprobs).toBeNull();
  });
});

describe('/v1/completions logprobs', () => {
  const expected = {
    tokens: ['Hi', ' ', '\uFFFD', '\uFFFD', 'END'],
    token_logprobs: [-0.1, -0.2, -0.5, -0.01, -3],
    // The chosen token is added when it is not among the top (END); equal texts keep the first.
    top_logprobs: [{ Hi: -0.1, Hello: -2.5 }, { ' ': -0.2, '!': -1.8 }, { '\uFFFD': -0.5, x: -1.5 }, { '\uFFFD': -0.01 }, { '!': -0.3, '.': -1, END: -3 }],
    text_offset: [0, 2, 3, 4, 5],
  };

  it('answers whole in the legacy shape with text offsets', async () => {
    const e = engine();
    const whole = JSON.parse((await post(e, '/v1/completions', completion({ logprobs: 2 }))).text);
    expect(e.seen[0]!.logprobs).toBe(2);
    expect(whole.choices[0].logprobs).toEqual(expected);
    const plain = JSON.parse((await post(e, '/v1/completions', completion({ logprobs: null }))).text);
    expect(plain.choices[0].logprobs).toBeNull();
    expect('logprobs' in e.seen[1]!).toBe(false);
  });

  it('streams the same arrays piece by piece, offsets running on', async () => {
    const chunks = await events((await post(engine(), '/v1/completions', completion({ logprobs: 2, stream: true }))).text);
    const pieces = chunks.filter((c) => c.choices[0]?.logprobs);
    expect(pieces.map((c) => c.choices[0].logprobs.tokens.length)).toEqual([1, 3, 1]);
    const joined = (key: keyof typeof expected) => pieces.flatMap((c) => c.choices[0].logprobs[key]);
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) expect(joined(key)).toEqual(expected[key]);
  });
});

describe('logprobs validation', () => {
  const cases: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
    ['top_logprobs 21', '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 21 }), { param: 'top_logprobs', code: 'integer_above_max_value' }],
    ['top_logprobs -1', '/v1/chat/completions', chat({ logprobs: true, top_logprobs: -1 }), { param: 'top_logprobs', code: 'integer_below_min_value' }],
    ['top_logprobs 2.5', '/v1/chat/completions', chat({ logprobs: true, top_logprobs: 2.5 }), { param: 'top_logprobs', code: 'invalid_type' }],
    ['top_logprobs without logprobs', '/v1/chat/completions', chat({ top_logprobs: 3 }), { param: 'top_logprobs', code: 'invalid_value' }],
    ['top_logprobs with logprobs false', '/v1/chat/completions', chat({ logprobs: false, top_logprobs: 0 }), { param: 'top_logprobs', code: 'invalid_value' }],
    ['chat logprobs a number', '/v1/chat/completions', chat({ logprobs: 3 }), { param: 'logprobs', code: 'invalid_type' }],
    ['completions logprobs 6', '/v1/completions', completion({ logprobs: 6 }), { param: 'logprobs', code: 'integer_above_max_value' }],
    ['completions logprobs -1', '/v1/completions', completion({ logprobs: -1 }), { param: 'logprobs', code: 'integer_below_min_value' }],
    ['completions logprobs true', '/v1/completions', completion({ logprobs: true }), { param: 'logprobs', code: 'invalid_type' }],
  ];
  for (const [name, path, body, error] of cases) {
    it(`${name} → 400`, async () => {
      const e = engine();
      const answer = await post(e, path, body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error).toMatchObject({ type: 'invalid_request_error', ...error });
      expect(e.seen).toHaveLength(0);
    });
  }

  it('accepts the bounds: top_logprobs 0 and 20, completions logprobs 0 and 5', async () => {
    for (const [path, body] of [
      ['/v1/chat/completions', chat({ logprobs: true, top_logprobs: 0 })],
      ['/v1/chat/completions', chat({ logprobs: true, top_logprobs: 20 })],
      ['/v1/completions', completion({ logprobs: 0 })],
      ['/v1/completions', completion({ logprobs: 5 })],
    ] as const) {
      expect((await post(engine(), path, body)).status).toBe(200);
    }
  });
});
