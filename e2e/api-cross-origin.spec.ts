// /v1 against other sites: a page on another origin can make the browser post a form to the app
// or send a `no-cors` fetch, but neither reaches the engine (its request count is unchanged); a
// same-origin request that is not JSON or is too large is refused with an OpenAI-shaped error.
import { createServer, type Server } from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { openWithModel, rawRequest } from './helpers/api-page.ts';
import { APP_PORT, HOSTILE_HOST } from './helpers/embed-hosts.ts';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';

test.describe.configure({ timeout: 180_000 });

const APP_ORIGIN = `http://localhost:${APP_PORT}`;
const CHAT = { model: TINY_INSTRUCT, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 };
// A text/plain form sends `name=value`: the name opens a JSON body and the value closes its last string.
const FORM_NAME = JSON.stringify({ ...CHAT, user: '' }).slice(0, -2);
const HOSTILE_PAGE = `<!doctype html><title>not the app</title>
<form id="attack" method="POST" enctype="text/plain" action="${APP_ORIGIN}/v1/chat/completions"><input type="hidden" name='${FORM_NAME}' value='"}'></form>
<script>
  window.noCors = () => fetch('${APP_ORIGIN}/v1/chat/completions', { method: 'POST', mode: 'no-cors', body: ${JSON.stringify(JSON.stringify(CHAT))} }).then((r) => r.type, (e) => String(e));
</script>`;

let server: Server;
test.beforeAll(async () => {
  server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HOSTILE_PAGE));
  await new Promise<void>((resolve) => server.listen(Number(new URL(HOSTILE_HOST).port), resolve));
});
test.afterAll(() => new Promise((resolve) => server.close(resolve)));

function servedRequests(app: Page): Promise<number> {
  return app.evaluate(async () => {
    const tab = window as unknown as { qwenLocal: { engine: { stats(): Promise<{ requestsServed: number }> } } };
    return (await tab.qwenLocal.engine.stats()).requestsServed;
  });
}

test('a form post and a no-cors fetch from another site never reach the engine', async ({ page, context }) => {
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  const before = await servedRequests(page);

  const hostile = await context.newPage();
  await hostile.goto(HOSTILE_HOST);
  expect(await hostile.evaluate(() => (window as unknown as { noCors: () => Promise<string> }).noCors())).toBe('opaque');
  await Promise.all([hostile.waitForURL(`${APP_ORIGIN}/v1/chat/completions`), hostile.locator('#attack').evaluate((form: HTMLFormElement) => form.submit())]);
  expect(await servedRequests(page)).toBe(before);
  const shown = JSON.parse((await hostile.locator('body').innerText()).trim()) as { error: { code: string; type: string; message: string } };
  expect(shown.error).toMatchObject({ code: 'navigation_refused', type: 'permission_error' });
  console.log(`[figures] form post from ${HOSTILE_HOST}: ${shown.error.message}`);

  // The counter does move for a request the app accepts.
  expect((await rawRequest(page, 'POST', '/v1/chat/completions', CHAT)).status).toBe(200);
  expect(await servedRequests(page)).toBe(before + 1);
});

test('a same-origin request that is not JSON or is over 1 MiB is refused before the engine', async ({ page }) => {
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  const before = await servedRequests(page);
  const answers = await page.evaluate(async (chat) => {
    const post = async (init: RequestInit): Promise<{ status: number; code: string }> => {
      const response = await fetch('/v1/chat/completions', { method: 'POST', ...init });
      return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
    };
    const huge = JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'a'.repeat(1024 * 1024) }] });
    return {
      plain: await post({ headers: { 'content-type': 'text/plain' }, body: JSON.stringify(chat) }),
      huge: await post({ headers: { 'content-type': 'application/json' }, body: huge }),
    };
  }, CHAT);
  expect(answers.plain).toEqual({ status: 415, code: 'unsupported_media_type' });
  expect(answers.huge).toEqual({ status: 413, code: 'request_too_large' });
  expect(await servedRequests(page)).toBe(before);
});
