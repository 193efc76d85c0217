// The OpenAI-compatible API served by the app's Service Worker, called by the official `openai`
// package in a page of the app's origin; its error answers; offline use; installability.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openWithModel, rawRequest, waitForServiceWorker } from './helpers/api-page.ts';
import { HUB_URL, TINY_BASE, TINY_INSTRUCT } from './helpers/hub.ts';
import { installOpenai } from './helpers/openai-bundle.ts';
import { referenceGreedy, tokenizerFor } from './helpers/reference.ts';
import { loadModel, openChat, send, assistantMessages } from './helpers/ui-chat.ts';

test.describe.configure({ timeout: 300_000 });

interface ClientRun {
  ids: string[];
  whole: string;
  wholeUsage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  finish: string;
  streamed: string;
  streamedUsage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  chunks: number;
  greedy: string;
  greedyUsage: { prompt_tokens: number; completion_tokens: number };
}

const MESSAGES = [
  { role: 'system' as const, content: 'You are brief.' },
  { role: 'user' as const, content: 'Name three colours.' },
];

/** Runs the openai client in `page` against this origin's /v1. */
function chatWithClient(page: Page, model: string): Promise<ClientRun> {
  return page.evaluate(
    async ({ model, messages }) => {
      type Client = {
        models: { list(): Promise<{ data: { id: string }[] }> };
        chat: { completions: { create(p: Record<string, unknown>): Promise<any> } };
      };
      const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => Client }).OpenAI;
      const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true });
      const models = await client.models.list();
      // Greedy first, on an empty KV cache: the reference decodes the prompt in one pass too.
      // repetition_penalty (a vLLM field) overrides the model's default 1.1, as the reference has none.
      const greedy = await client.chat.completions.create({ model, messages, temperature: 0, repetition_penalty: 1, max_completion_tokens: 10 });
      const sampled = { model, messages, temperature: 0.9, top_p: 0.95, seed: 7, max_tokens: 12 };
      const whole = await client.chat.completions.create(sampled);
      const stream = await client.chat.completions.create({ ...sampled, stream: true, stream_options: { include_usage: true } });
      let streamed = '';
      let streamedUsage = null;
      let chunks = 0;
      for await (const chunk of stream as AsyncIterable<any>) {
        streamed += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) streamedUsage = chunk.usage;
        chunks++;
      }
      return {
        ids: models.data.map((m) => m.id),
        whole: whole.choices[0].message.content,
        wholeUsage: whole.usage,
        finish: whole.choices[0].finish_reason,
        streamed,
        streamedUsage,
        chunks,
        greedy: greedy.choices[0].message.content,
        greedyUsage: greedy.usage,
      };
    },
    { model, messages: MESSAGES },
  );
}

test('the openai package lists models, completes, streams the same text for the same seed, and completes raw text on a base model', async ({ page, context }) => {
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  await installOpenai(page);
  const run = await chatWithClient(page, TINY_INSTRUCT);
  expect(run.ids).toEqual([TINY_INSTRUCT]);
  expect(run.whole.length).toBeGreaterThan(0);
  expect(run.streamed).toBe(run.whole);
  expect(run.chunks).toBeGreaterThan(3);
  expect(run.streamedUsage).toEqual(run.wholeUsage);

  // Usage is exact: the prompt as the chat template renders it, and every generated token.
  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const promptText = tokenizer.apply_chat_template(MESSAGES, { add_generation_prompt: true, tokenize: false }) as string;
  const promptIds = tokenizer.encode(promptText, { add_special_tokens: false });
  expect(run.wholeUsage.prompt_tokens).toBe(promptIds.length);
  const reference = await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages: MESSAGES }, 10);
  expect(run.greedyUsage).toMatchObject({ prompt_tokens: promptIds.length, completion_tokens: reference.length });
  expect(run.greedy).toBe(tokenizer.decode(reference, { skip_special_tokens: true }));

  // A second tab runs the base model; /v1/completions for it goes to that tab.
  const baseTab = await context.newPage();
  await openWithModel(baseTab, HUB_URL, TINY_BASE);
  const prompt = 'The capital of France is';
  const raw = await page.evaluate(
    async ({ model, prompt }) => {
      const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => any }).OpenAI;
      const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true });
      const done = await client.completions.create({ model, prompt, max_tokens: 8, temperature: 0 });
      return { text: done.choices[0].text as string, object: done.object as string, usage: done.usage as { prompt_tokens: number; completion_tokens: number } };
    },
    { model: TINY_BASE, prompt },
  );
  const baseTokenizer = await tokenizerFor(TINY_BASE);
  const baseReference = await referenceGreedy(TINY_BASE, 'model_q4.onnx', { prompt }, 8);
  expect(raw.object).toBe('text_completion');
  expect(raw.text).toBe(baseTokenizer.decode(baseReference, { skip_special_tokens: true }));
  expect(raw.usage).toMatchObject({ prompt_tokens: baseTokenizer.encode(prompt, { add_special_tokens: false }).length, completion_tokens: baseReference.length });
  console.log(`[figures] /v1 chat: ${run.wholeUsage.completion_tokens} tokens in ${run.chunks} stream chunks; streamed == whole for seed 7; raw completion on the base tab: ${JSON.stringify(raw.text)}`);
});

test('malformed requests get OpenAI-shaped errors with the documented status', async ({ page }) => {
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await waitForServiceWorker(page);
  const chat = { model: TINY_INSTRUCT, messages: [{ role: 'user', content: 'Hi' }] };

  // Before any model is loaded: 503, saying how to load one.
  const idle = await rawRequest(page, 'POST', '/v1/chat/completions', chat);
  expect(idle.status).toBe(503);
  expect(idle.json).toMatchObject({ error: { type: 'server_error', code: 'model_not_loaded' } });
  expect(JSON.stringify(idle.json)).toMatch(/Load/);

  await loadModel(page);
  const cases: [string, unknown, number, Record<string, unknown>][] = [
    ['bad JSON', '{"model": "x", "messages": [', 400, { type: 'invalid_request_error', param: null }],
    ['missing messages', { model: TINY_INSTRUCT }, 400, { code: 'missing_required_parameter', param: 'messages' }],
    ['unknown role', { ...chat, messages: [{ role: 'robot', content: 'Hi' }] }, 400, { code: 'invalid_value', param: 'messages[0].role' }],
    ['temperature out of range', { ...chat, temperature: 2.5 }, 400, { code: 'decimal_above_max_value', param: 'temperature' }],
    ['unknown model', { ...chat, model: 'gpt-4o-mini' }, 404, { code: 'model_not_found', param: 'model' }],
    ['prompt over the context', { ...chat, messages: [{ role: 'user', content: 'hello '.repeat(33_000) }] }, 400, { code: 'context_length_exceeded', param: 'messages' }],
  ];
  for (const [name, body, status, error] of cases) {
    const answer = await rawRequest(page, 'POST', '/v1/chat/completions', body);
    expect(answer.status, name).toBe(status);
    expect(answer.contentType, name).toMatch(/application\/json/);
    expect(answer.json, name).toMatchObject({ error: { message: expect.any(String), ...error } });
    console.log(`[figures] ${name}: ${answer.status} ${JSON.stringify(answer.json)}`.slice(0, 300));
  }
  // The same through the openai package: its APIError carries the status and the error object.
  await installOpenai(page);
  const thrown = await page.evaluate(async () => {
    const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => any }).OpenAI;
    const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true, maxRetries: 0 });
    try {
      await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
      return null;
    } catch (error) {
      const e = error as { status: number; code: string; param: string };
      return { status: e.status, code: e.code, param: e.param };
    }
  });
  expect(thrown).toEqual({ status: 404, code: 'model_not_found', param: 'model' });
});

test('offline after one visit: the app reloads from the Service Worker, loads the stored model, and chat and /v1 answer', async ({ page, context }) => {
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('prompt-input')).toBeVisible();
  await waitForServiceWorker(page);
  await loadModel(page);
  await send(page, 'Hello offline');
  await expect(assistantMessages(page).last()).not.toBeEmpty();
  const answer = await rawRequest(page, 'POST', '/v1/chat/completions', { model: TINY_INSTRUCT, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({ object: 'chat.completion', usage: { completion_tokens: expect.any(Number) } });
  const models = await rawRequest(page, 'GET', '/v1/models');
  expect(models.json).toMatchObject({ data: [{ id: TINY_INSTRUCT }] });
});

test('the manifest and Service Worker pass Chrome installability checks', async ({ page }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  const cdp = await page.context().newCDPSession(page);
  const { url, errors, data } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[]; data: string };
  expect(url).toMatch(/\/manifest\.webmanifest$/);
  expect(errors).toEqual([]);
  const manifest = JSON.parse(data) as Record<string, any>;
  expect(manifest).toMatchObject({ display: 'standalone', start_url: '/', scope: '/', short_name: 'Qwen Local' });
  expect(manifest['name']).toMatch(/Qwen Local/);
  expect(manifest['name']).toMatch(/千问/);
  const icons = manifest['icons'] as { src: string; sizes: string; type: string; purpose: string }[];
  expect(icons).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ sizes: '192x192', type: 'image/png', purpose: 'any' }),
      expect.objectContaining({ sizes: '512x512', type: 'image/png', purpose: 'any' }),
      expect.objectContaining({ sizes: '512x512', type: 'image/png', purpose: 'maskable' }),
    ]),
  );
  for (const icon of icons) expect((await page.request.get(icon.src)).status(), icon.src).toBe(200);
  // Chrome's own verdict. A Playwright context is off the record, which Chrome reports as
  // "in-incognito"; every other installability error fails the test.
  const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
  const ids = installabilityErrors.map((e) => e.errorId);
  console.log(`[figures] Chrome installability errors: ${JSON.stringify(ids)}`);
  expect(ids.filter((id) => id !== 'in-incognito')).toEqual([]);
  const registration = await page.evaluate(async () => {
    const r = await navigator.serviceWorker.getRegistration();
    return { scope: r?.scope, active: r?.active?.state, controlled: navigator.serviceWorker.controller !== null };
  });
  expect(registration).toEqual({ scope: `${new URL(page.url()).origin}/`, active: 'activated', controlled: true });
});

test('a new version waits for the user: the update notice reloads the page into it', async ({ page }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  // A later visit: the page starts under the installed worker, as a returning user's does.
  await page.reload();
  await waitForServiceWorker(page);
  const first = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL);
  // A new deployment: the served worker's bytes change (the preview server reads dist/ per request).
  const swPath = new URL('../dist/sw.js', import.meta.url);
  const original = readFileSync(swPath, 'utf8');
  try {
    writeFileSync(swPath, `${original}\n// next version ${Date.now()}\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect(page.getByTestId('update-notice')).toBeVisible({ timeout: 60_000 });
    const waiting = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state);
    expect(waiting).toBe('installed');
    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-notice').getByRole('button', { name: 'Reload' }).click()]);
    await expect(page.getByTestId('prompt-input')).toBeVisible();
    const after = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { waiting: r?.waiting ?? null, active: r?.active?.state, script: r?.active?.scriptURL };
    });
    expect(after).toEqual({ waiting: null, active: 'activated', script: first });
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
  } finally {
    writeFileSync(swPath, original);
  }
});
