// The app on a remote OpenAI-compatible server (a vLLM stand-in on loopback): chat streams and
// stops, /v1 relays to it, every failure a user meets with a server has its message, and the
// API key goes to the configured origin only.
import { expect, test, type Page } from '@playwright/test';
import { answerLogprob, answerWords, standinRank, tokenize } from '../scripts/openai-standin/text.ts';
import { FAILING, OpenAIStandin } from '../scripts/openai-standin/server.ts';
import { APP_PORT } from './helpers/embed-hosts.ts';
import { assistantMessages, waitForAnswer } from './helpers/ui-chat.ts';
import { rawRequest, waitForServiceWorker } from './helpers/api-page.ts';
import { runCompare } from './helpers/compare-page.ts';

const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const INSTRUCT = 'Qwen/Qwen2.5-7B-Instruct';
const BASE = 'Qwen/Qwen2.5-7B';
const KEY = 'sk-local-test-key';
const MODELS = [INSTRUCT, BASE, ...Object.values(FAILING)];

let server: OpenAIStandin;
let other: OpenAIStandin;
let noCors: OpenAIStandin;

test.beforeAll(async () => {
  server = await OpenAIStandin.start({ port: APP_PORT + 20, models: MODELS, allowOrigins: [APP_ORIGIN], apiKey: KEY, wordDelayMs: 120 });
  other = await OpenAIStandin.start({ port: APP_PORT + 21, models: [INSTRUCT], allowOrigins: [APP_ORIGIN], promptLogprobs: false });
  noCors = await OpenAIStandin.start({ port: APP_PORT + 22, models: [INSTRUCT], allowOrigins: null });
});

test.afterAll(async () => {
  await Promise.all([server.stop(), other.stop(), noCors.stop()]);
});

async function connect(page: Page, url: string, key: string | null, model?: string): Promise<void> {
  if (!(await page.getByTestId('models-drawer').isVisible())) await page.getByTestId('open-models').click();
  await page.getByTestId('backend-remote').check();
  await page.getByTestId('remote-url').fill(url);
  await page.getByTestId('remote-url').dispatchEvent('change');
  if (key !== null) await page.getByTestId('remote-key').fill(key);
  await page.getByTestId('remote-connect').click();
  if (model) await page.getByTestId('remote-model').selectOption(model);
}

async function closeModels(page: Page): Promise<void> {
  await page.getByTestId('models-drawer').getByRole('button', { name: /close|关闭/i }).click();
}

/** The compare view with both panes on models of `on`. */
async function openRemoteCompare(page: Page, on: OpenAIStandin, key: string | null, models: { base: string; chat: string }): Promise<void> {
  await page.goto('/');
  await connect(page, on.url, key, models.chat);
  await closeModels(page);
  await page.goto('/#/compare');
  await page.getByTestId('compare-base-repo').fill(models.base);
  await page.getByTestId('compare-chat-repo').fill(models.chat);
}

async function sendNoWait(page: Page, text: string): Promise<void> {
  await page.getByTestId('prompt-input').fill(text);
  await page.getByTestId('prompt-input').press('Enter');
}

test('chat streams from the remote model and stops; /v1 relays to it; the key goes to its origin only', async ({ page }) => {
  await page.goto('/');
  await connect(page, server.url, KEY, INSTRUCT);
  await expect(page.getByTestId('remote-model')).toHaveValue(INSTRUCT);
  await closeModels(page);
  await expect(page.getByTestId('remote-ready')).toContainText(INSTRUCT);

  // Stop in the middle: the words so far stay, the server sees the request closed.
  await sendNoWait(page, 'Tell me a long story.');
  await expect(assistantMessages(page).last()).toContainText(/\S+\s+\S+\s+\S+/);
  await page.getByTestId('stop').click();
  await waitForAnswer(page);
  const stopped = (await assistantMessages(page).last().textContent()) ?? '';
  expect(stopped.length).toBeGreaterThan(0);
  await expect.poll(() => server.log.filter((r) => r.path === '/v1/chat/completions').at(-1)?.aborted).toBe(true);

  // A whole answer: exactly what the server streamed for this conversation.
  await sendNoWait(page, 'Now a short one.');
  await waitForAnswer(page);
  const last = server.log.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
  expect(last.body).toMatchObject({ model: INSTRUCT, stream: true, stream_options: { include_usage: true } });
  const expected = answerWords(INSTRUCT, JSON.stringify(last.body!['messages'])).slice(0, Number(last.body!['max_tokens'] ?? 16)).join('');
  await expect(assistantMessages(page).last()).toContainText(expected.trim().slice(0, 40));

  // /v1 in this origin runs on the chosen backend too.
  await waitForServiceWorker(page);
  const viaApi = await rawRequest(page, 'POST', '/v1/chat/completions', { model: INSTRUCT, messages: [{ role: 'user', content: 'ping' }], max_tokens: 5 });
  expect(viaApi.status).toBe(200);
  expect(viaApi.json).toMatchObject({ object: 'chat.completion', model: INSTRUCT, usage: { completion_tokens: 5 } });
  expect(server.log.at(-1)!.body).toMatchObject({ messages: [{ role: 'user', content: 'ping' }], max_tokens: 5 });
  // Logprobs go to the server in its shape, and come back as it sent them.
  const withLogprobs = await rawRequest(page, 'POST', '/v1/chat/completions', { model: INSTRUCT, messages: [{ role: 'user', content: 'ping' }], max_tokens: 3, logprobs: true, top_logprobs: 2 });
  const sent = server.log.at(-1)!.body!;
  expect(sent).toMatchObject({ logprobs: true, top_logprobs: 2 });
  const words = answerWords(INSTRUCT, JSON.stringify(sent['messages'])).slice(0, 3);
  expect(withLogprobs.json).toMatchObject({ choices: [{ logprobs: { content: words.map((w, i) => answerLogprob(INSTRUCT, JSON.stringify(sent['messages']), i, w, 2)), refusal: null } }] });
  const completion = await rawRequest(page, 'POST', '/v1/completions', { model: INSTRUCT, prompt: 'ping', max_tokens: 3, logprobs: 1 });
  expect(server.log.at(-1)!.body).toMatchObject({ prompt: 'ping', logprobs: 1 });
  const completionWords = answerWords(INSTRUCT, 'ping').slice(0, 3);
  expect(completion.json).toMatchObject({
    choices: [{ logprobs: { tokens: completionWords, token_logprobs: completionWords.map((w, i) => answerLogprob(INSTRUCT, 'ping', i, w, 1).logprob) } }],
  });

  // Every request to the configured server carried the key; another server never gets it.
  expect(server.log.length).toBeGreaterThan(3);
  expect(server.log.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
  await connect(page, other.url, null);
  await expect(page.getByTestId('remote-key')).toHaveValue('');
  await expect(page.getByTestId('remote-model')).toHaveValue(INSTRUCT);
  expect(other.log.length).toBeGreaterThan(0);
  expect(other.log.every((r) => r.authorization === null)).toBe(true);
  console.log(`[figures] remote: ${server.log.length} requests to ${server.url}, all with the key; ${other.log.length} to ${other.url}, none with it`);
});

test('/v1 passes tools, the choice and tool turns through to the server, and relays its tool calls back, whole and streamed', async ({ page }) => {
  await page.goto('/');
  await connect(page, server.url, KEY, INSTRUCT);
  await closeModels(page);
  await waitForServiceWorker(page);
  const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
  const messages = [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '21 C' },
    { role: 'user', content: 'And in Rome?' },
  ];
  const request = { model: INSTRUCT, messages, tools: [weather], tool_choice: 'required', max_tokens: 30 };
  const whole = await rawRequest(page, 'POST', '/v1/chat/completions', request);
  expect(whole.status).toBe(200);
  expect(server.log.at(-1)!.body).toMatchObject({ messages, tools: [weather], tool_choice: 'required', parallel_tool_calls: true });
  const choice = (whole.json as { choices: { message: { content: unknown; tool_calls: { id: string; function: unknown }[] }; finish_reason: string }[] }).choices[0]!;
  expect(choice.finish_reason).toBe('tool_calls');
  expect(choice.message.content).toBeNull();
  expect(choice.message.tool_calls.map((c) => c.function)).toEqual([{ name: 'get_weather', arguments: '{"city":"standin"}' }]);

  const events = await page.evaluate(async (body) => {
    const response = await fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }) });
    const text = await response.text();
    return text.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { choices: { delta: { tool_calls?: { id?: string; function: { name?: string; arguments: string } }[] }; finish_reason: string | null }[] });
  }, request);
  const pieces = events.flatMap((e) => e.choices[0]?.delta.tool_calls ?? []);
  expect(pieces[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
  expect(pieces.map((p) => p.function.arguments).join('')).toBe('{"city":"standin"}');
  expect(events.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
});

test('each way a server fails has its message, and a dropped stream keeps what arrived', async ({ page }) => {
  await page.goto('/');
  const settingsError = page.getByTestId('backend-settings').getByTestId('error');

  await connect(page, `http://127.0.0.1:${APP_PORT + 23}/v1`, null);
  await expect(settingsError).toHaveAttribute('data-code', 'remote_unreachable');
  await expect(settingsError).toContainText('port');

  await connect(page, noCors.url, null);
  await expect(settingsError).toHaveAttribute('data-code', 'remote_cors');
  await expect(settingsError).toContainText(`--allowed-origins '["${APP_ORIGIN}"]'`);

  await connect(page, server.url, 'sk-wrong');
  await expect(settingsError).toHaveAttribute('data-code', 'remote_unauthorized');
  await expect(settingsError).toContainText('--api-key');

  await page.getByTestId('remote-timeout').fill('2');
  await page.getByTestId('remote-timeout').dispatchEvent('change');
  await connect(page, server.url, KEY);
  await expect(settingsError).toHaveCount(0);
  await closeModels(page);

  const cases: [string, string, RegExp][] = [
    [FAILING.gone, 'remote_model_not_found', /404/],
    [FAILING.serverError, 'remote_server_error', /5xx/],
    [FAILING.stall, 'remote_timeout', /timeout|in time/],
    [FAILING.drop, 'remote_stream_dropped', /What arrived is kept/],
  ];
  for (const [model, code, text] of cases) {
    await page.getByTestId('open-models').click();
    await page.getByTestId('remote-model').selectOption(model);
    await closeModels(page);
    await sendNoWait(page, `Try ${model}`);
    await waitForAnswer(page);
    const error = assistantMessages(page).last().getByTestId('error');
    await expect(error, model).toHaveAttribute('data-code', code);
    await expect(error, model).toContainText(text);
  }
  // The dropped stream's three words are still on screen, above its error.
  const dropped = server.log.filter((r) => r.body?.['model'] === FAILING.drop).at(-1)!;
  const arrived = answerWords(FAILING.drop, JSON.stringify(dropped.body!['messages'])).slice(0, 3).join('');
  await expect(assistantMessages(page).last()).toContainText(arrived.trim());
  // The server's own words are one click away.
  await page.getByTestId('open-models').click();
  await page.getByTestId('remote-model').selectOption(FAILING.serverError);
  await closeModels(page);
  await sendNoWait(page, 'again');
  await waitForAnswer(page);
  await expect(assistantMessages(page).last().getByTestId('error')).toContainText('CUDA out of memory');
});

test('the compare panel runs on two remote models, and the diff comes from the server\'s prompt logprobs', async ({ page }) => {
  await openRemoteCompare(page, server, KEY, { base: BASE, chat: INSTRUCT });
  await runCompare(page, { format: 'urial', maxTokens: 12 });
  const chatText = (await page.getByTestId('compare-chat-output').textContent()) ?? '';
  expect((await page.getByTestId('compare-base-output').textContent())?.length).toBeGreaterThan(0);

  // Independently: the base model's scoring request, tokenized as the server does, ranked as it ranks.
  const scoring = server.log.filter((r) => r.body?.['prompt_logprobs'] !== undefined);
  expect(scoring.map((r) => r.body!['model']).sort()).toEqual([BASE, INSTRUCT].sort());
  const baseScoring = scoring.find((r) => r.body!['model'] === BASE)!;
  const full = String(baseScoring.body!['prompt']);
  const tokens = tokenize(full);
  let start = tokens.length;
  for (let text = ''; text.length < chatText.length; start--) text = tokens[start - 1]! + text;
  expect(tokens.slice(start).join('')).toBe(chatText);
  const ranks = tokens.slice(start).map((_, i) => standinRank(BASE, full, start + i));
  const count = (test: (r: number) => boolean): number => ranks.filter(test).length;
  const summary = page.getByTestId('diff-summary');
  await expect(summary).toHaveAttribute('data-tokens', String(ranks.length));
  await expect(summary).toHaveAttribute('data-unshifted', String(count((r) => r === 1)));
  await expect(summary).toHaveAttribute('data-marginal', String(count((r) => r === 2 || r === 3)));
  await expect(summary).toHaveAttribute('data-shifted', String(count((r) => r > 3)));
  await expect(page.getByTestId('diff-token')).toHaveCount(ranks.length);
  console.log(`[figures] remote compare: ${ranks.length} answer tokens ranked by ${BASE} on the stand-in: ${count((r) => r === 1)} unshifted, ${count((r) => r === 2 || r === 3)} marginal, ${count((r) => r > 3)} shifted`);
});

test('a server without prompt logprobs still compares, with a note instead of the diff', async ({ page }) => {
  await openRemoteCompare(page, other, null, { base: INSTRUCT, chat: INSTRUCT });
  await page.getByTestId('compare-format').selectOption('chat');
  await page.getByTestId('compare-run').click();
  for (const pane of ['compare-base-output', 'compare-chat-output']) await expect(page.getByTestId(pane)).toHaveAttribute('data-status', 'done');
  const note = page.getByTestId('compare-view').getByTestId('error');
  await expect(note).toHaveAttribute('data-code', 'remote_no_logprobs');
  await expect(note).toContainText('vLLM 0.10.2');
  await expect(page.getByTestId('diff-summary')).toHaveCount(0);
});
