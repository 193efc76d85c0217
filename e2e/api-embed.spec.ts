// The app embedded in other sites: a host page on a second origin (listed by the deployer)
// gets completions through postMessage; a host that may frame the app but is not listed is
// refused before the engine sees anything; a host not allowed to frame it gets no frame at all.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { expect, test, type Frame, type Page } from '@playwright/test';
import { ALLOWED_HOST, APP_PORT, FRAMING_ONLY_HOST, STRANGER_HOST } from './helpers/embed-hosts.ts';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { referenceGreedy, tokenizerFor } from './helpers/reference.ts';

test.describe.configure({ timeout: 240_000 });

const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const EMBED_URL = `${APP_ORIGIN}/?embed=1&hub=${encodeURIComponent(HUB_URL)}&model=${encodeURIComponent(TINY_INSTRUCT)}&device=wasm&dtype=q4`;
const HOST_PAGE = readFileSync(new URL('./fixtures/embed-host.html', import.meta.url), 'utf8').replace('APP_URL', EMBED_URL.replaceAll('&', '&amp;'));
const MESSAGES = [{ role: 'user', content: 'Say hello.' }];

let servers: Server[] = [];

test.beforeAll(async () => {
  servers = await Promise.all(
    [ALLOWED_HOST, FRAMING_ONLY_HOST, STRANGER_HOST].map(
      (origin) =>
        new Promise<Server>((resolve) => {
          const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HOST_PAGE));
          server.listen(Number(new URL(origin).port), () => resolve(server));
        }),
    ),
  );
});

test.afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

interface BridgeAnswer {
  status: number;
  body: string;
}

function bridge(page: Page, method: string, path: string, body?: unknown): Promise<BridgeAnswer> {
  return page.evaluate(
    ({ method, path, body }) => (window as unknown as { qwen: (m: string, p: string, b?: unknown) => Promise<BridgeAnswer> }).qwen(method, path, body),
    { method, path, body },
  );
}

async function appFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(APP_ORIGIN))).toBe(true);
  return page.frames().find((f) => f.url().startsWith(APP_ORIGIN))!;
}

/** The embed asks before it downloads the model its URL names (e2e/embed-trust.spec.ts). */
async function agreeToDownload(frame: Frame): Promise<void> {
  await frame.getByTestId('consent-download').click();
}

async function servedRequests(frame: Frame): Promise<number> {
  return frame.evaluate(async () => {
    const app = window as unknown as { qwenLocal: { engine: { stats(): Promise<{ requestsServed: number }> } } };
    return (await app.qwenLocal.engine.stats()).requestsServed;
  });
}

test('a listed host page gets completions from the embedded app through postMessage', async ({ page }) => {
  await page.goto(ALLOWED_HOST);
  const frame = await appFrame(page);
  await agreeToDownload(frame);
  // The compact embed: the chat and its model line, no conversation list.
  await expect(frame.getByTestId('prompt-input')).toBeVisible();
  await expect(frame.locator('#sidebar')).toHaveCount(0);

  // The app loads its model by itself; the first request waits for that load.
  const models = await bridge(page, 'GET', '/v1/models');
  expect(models.status).toBe(200);
  expect(JSON.parse(models.body)).toMatchObject({ object: 'list', data: [{ id: TINY_INSTRUCT }] });

  const whole = await bridge(page, 'POST', '/v1/chat/completions', { model: TINY_INSTRUCT, messages: MESSAGES, temperature: 0, repetition_penalty: 1, max_tokens: 8 });
  expect(whole.status).toBe(200);
  const completion = JSON.parse(whole.body) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const reference = await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages: [{ role: 'user', content: 'Say hello.' }] }, 8);
  expect(completion.choices[0]!.message.content).toBe(tokenizer.decode(reference, { skip_special_tokens: true }));
  expect(completion.usage.completion_tokens).toBe(reference.length);

  const streamed = await bridge(page, 'POST', '/v1/chat/completions', { model: TINY_INSTRUCT, messages: MESSAGES, temperature: 0, repetition_penalty: 1, max_tokens: 8, stream: true });
  expect(streamed.status).toBe(200);
  const events = streamed.body.split('\n\n').filter(Boolean);
  expect(events.at(-1)).toBe('data: [DONE]');
  const text = events
    .slice(0, -1)
    .map((e) => JSON.parse(e.slice('data: '.length)) as { choices: { delta: { content?: string } }[] })
    .map((chunk) => chunk.choices[0]?.delta.content ?? '')
    .join('');
  expect(text).toBe(completion.choices[0]!.message.content);
  console.log(`[figures] embed bridge from ${ALLOWED_HOST}: ${events.length - 1} stream events, text equals onnxruntime-node's ${reference.length} greedy tokens`);
});

test('a host that may frame the app but is not listed is refused, and the engine never sees the request', async ({ page }) => {
  await page.goto(FRAMING_ONLY_HOST);
  const frame = await appFrame(page);
  await agreeToDownload(frame);
  await expect(frame.getByTestId('model-ready')).toBeVisible({ timeout: 90_000 });
  const before = await servedRequests(frame);
  const refused = await bridge(page, 'POST', '/v1/chat/completions', { model: TINY_INSTRUCT, messages: MESSAGES, max_tokens: 4 });
  expect(refused.status).toBe(403);
  expect(JSON.parse(refused.body)).toMatchObject({ error: { type: 'permission_error', code: 'origin_not_allowed' } });
  expect(JSON.parse(refused.body).error.message).toContain(FRAMING_ONLY_HOST);
  expect(await servedRequests(frame)).toBe(before);
});

test('a host not allowed to frame the app gets no app in its iframe', async ({ page }) => {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (/frame-ancestors/.test(message.text())) refusals.push(message.text());
  });
  await page.goto(STRANGER_HOST);
  await expect.poll(() => refusals.length, { timeout: 20_000 }).toBeGreaterThan(0);
  const loaded = await Promise.all(page.frames().map((f) => f.locator('[data-testid="prompt-input"]').count().catch(() => 0)));
  expect(loaded.every((n) => n === 0)).toBe(true);
  console.log(`[figures] ${STRANGER_HOST}: ${refusals[0]}`);
});
