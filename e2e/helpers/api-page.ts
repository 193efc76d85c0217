// Drives the /v1 API from a page of the app's origin: waits until the Service Worker controls
// the page, loads a model through the UI, and sends raw requests with fetch.
import { expect, type Page } from '@playwright/test';
import { loadModel, openChat } from './ui-chat.ts';

export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  });
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/sw\.js$/);
}

export async function openWithModel(page: Page, hub: string, model: string): Promise<void> {
  await openChat(page, { hub, model });
  await waitForServiceWorker(page);
  await loadModel(page);
}

export interface RawAnswer {
  status: number;
  contentType: string | null;
  json: unknown;
}

/** One request with fetch; the body is sent as given when it is a string (malformed JSON). */
export function rawRequest(page: Page, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type'), json: JSON.parse(text) as unknown };
    },
    { method, path, body },
  );
}
