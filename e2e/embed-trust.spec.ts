// What an embedding page cannot do without the user: its iframe URL names a hub and a model, but
// nothing downloads until the user agrees in a dialog naming both; and the embed opens neither
// the user's own conversations nor their remote server (with its key).
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { expect, test, type Frame, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { ALLOWED_HOST, APP_PORT } from './helpers/embed-hosts.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { chatUrl, storedConversations } from './helpers/ui-chat.ts';

test.describe.configure({ timeout: 300_000 });

const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const REMOTE_MODEL = 'someone-elses/paid-model';
let hub: HubServer;
let host: Server;

test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
  const embedUrl = `${APP_ORIGIN}/?embed=1&hub=${encodeURIComponent(hub.url)}&model=${encodeURIComponent(TINY_INSTRUCT)}&device=wasm&dtype=q4`;
  const page = readFileSync(new URL('./fixtures/embed-host.html', import.meta.url), 'utf8').replace('APP_URL', embedUrl.replaceAll('&', '&amp;'));
  host = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise<void>((resolve) => host.listen(Number(new URL(ALLOWED_HOST).port), resolve));
});
test.afterAll(async () => {
  await new Promise((resolve) => host.close(resolve));
  await hub.close();
});
test.beforeEach(() => {
  hub.log.length = 0;
});

async function appFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(APP_ORIGIN))).toBe(true);
  return page.frames().find((f) => f.url().startsWith(APP_ORIGIN))!;
}

async function agreeToDownload(frame: Frame): Promise<void> {
  await frame.getByTestId('consent-download').click();
  await expect(frame.getByTestId('model-ready')).toBeVisible({ timeout: 150_000 });
}

test('an embed URL naming a hub downloads nothing until the user agrees, in a dialog naming the model and the host', async ({ page }) => {
  await page.goto(ALLOWED_HOST);
  const frame = await appFrame(page);
  const dialog = frame.getByTestId('download-consent');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(TINY_INSTRUCT);
  await expect(dialog).toContainText(new URL(hub.url).host);
  expect(hub.log).toEqual([]);

  await agreeToDownload(frame);
  expect(hub.log.length).toBeGreaterThan(0);
  console.log(`[figures] embed consent: 0 hub requests before the click, ${hub.log.length} after`);

  // Stored from that same host now: the next visit loads it without asking or downloading.
  hub.log.length = 0;
  await page.reload();
  const again = await appFrame(page);
  await expect(again.getByTestId('model-ready')).toBeVisible({ timeout: 150_000 });
  await expect(again.getByTestId('download-consent')).toBeHidden();
  expect(hub.log).toEqual([]);
});

test('declining leaves the model unloaded and the hub untouched', async ({ page }) => {
  await page.goto(ALLOWED_HOST);
  const frame = await appFrame(page);
  await frame.getByTestId('consent-decline').click();
  await expect(frame.getByTestId('download-consent')).toBeHidden();
  const models = await page.evaluate(() => (window as unknown as { qwen: (m: string, p: string) => Promise<{ status: number; body: string }> }).qwen('GET', '/v1/models'));
  expect(JSON.parse(models.body)).toEqual({ object: 'list', data: [] });
  expect(hub.log).toEqual([]);
});

test("the embed opens neither the user's conversations nor their remote server and key", async ({ page }) => {
  // The user's own app: a draft in their chat, and a remote server with a key chosen.
  await page.goto(chatUrl({ hub: hub.url, model: TINY_INSTRUCT }));
  await page.getByTestId('prompt-input').fill('my private draft');
  await expect.poll(async () => (await storedConversations(page)).some((c) => c.draft === 'my private draft')).toBe(true);
  await page.evaluate(
    ({ origin, model }) => {
      localStorage.setItem('qwen-local.backend', JSON.stringify({ kind: 'remote', baseUrl: 'https://paid.example/v1', model, timeoutS: 60 }));
      localStorage.setItem('qwen-local.remote-keys', JSON.stringify({ [origin]: 'sk-user-secret' }));
    },
    { origin: 'https://paid.example', model: REMOTE_MODEL },
  );

  await page.goto(ALLOWED_HOST);
  const frame = await appFrame(page);
  await frame.getByTestId('consent-download').click();
  await expect(frame.getByTestId('prompt-input')).toHaveValue('');
  await expect(frame.locator('body')).not.toContainText('my private draft');
  const models = await page.evaluate(() => (window as unknown as { qwen: (m: string, p: string) => Promise<{ status: number; body: string }> }).qwen('GET', '/v1/models'));
  expect(JSON.parse(models.body)).toMatchObject({ data: [{ id: TINY_INSTRUCT }] });

  // The user's data is untouched by the embed.
  await page.goto(APP_ORIGIN + chatUrl({ hub: hub.url, model: TINY_INSTRUCT }));
  await expect(page.getByTestId('prompt-input')).toHaveValue('my private draft');
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('qwen-local.backend') ?? '{}').kind)).toBe('remote');
});
