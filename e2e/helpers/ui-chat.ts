// Drives the chat UI from tests: open it on a forged model, load, set the settings, send and
// wait for the answer, and read the conversations straight from IndexedDB.
import { expect, type Locator, type Page } from '@playwright/test';
import type { Conversation } from '../../src/lib/state/conversation.ts';

export interface OpenOptions {
  hub: string;
  model: string;
  /** Stored chunk size; small chunks make a download report progress often. */
  chunkMiB?: number;
}

export function chatUrl({ hub, model, chunkMiB }: OpenOptions): string {
  const chunk = chunkMiB ? `&chunkMiB=${chunkMiB}` : '';
  return `/?hub=${encodeURIComponent(hub)}&model=${encodeURIComponent(model)}&device=wasm&dtype=q4${chunk}`;
}

export async function openChat(page: Page, options: OpenOptions): Promise<void> {
  await page.goto(chatUrl(options));
  await expect(page.getByTestId('prompt-input')).toBeVisible();
}

export async function loadModel(page: Page): Promise<void> {
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 60_000 });
}

/** Fills settings in the chat settings panel (numbers by test id), then closes it. */
/**
 * Starts keeping every text the load status shows, so a test can check a phase was shown however
 * briefly (a poll with toHaveText can miss a phase that lasts less than its interval). The
 * observer runs after each render, before the next worker message is handled.
 */
export async function recordLoadStatus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { loadStatusSeen: string[] }).loadStatusSeen = seen;
    const note = (): void => {
      const text = document.querySelector('[data-testid="load-status"]')?.textContent ?? '';
      if (text !== seen.at(-1)) seen.push(text);
    };
    note();
    new MutationObserver(note).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
}

export async function loadStatusSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { loadStatusSeen: string[] }).loadStatusSeen);
}

export async function setSettings(page: Page, values: Record<string, string>): Promise<void> {
  await page.getByTestId('open-settings').click();
  const drawer = page.getByTestId('settings-drawer');
  for (const [testid, value] of Object.entries(values)) {
    const field = drawer.getByTestId(testid);
    await field.fill(value);
    // Numbers apply on change, the system prompt on input.
    await field.dispatchEvent('change');
  }
  await drawer.getByRole('button', { name: /close|关闭/i }).click();
  await expect(drawer).toBeHidden();
}

export function assistantMessages(page: Page): Locator {
  return page.getByTestId('assistant-message');
}

export async function waitForAnswer(page: Page): Promise<void> {
  await expect(page.getByTestId('send')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('stop')).toHaveCount(0);
}

export async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('prompt-input').fill(text);
  await page.getByTestId('prompt-input').press('Enter');
  await expect(page.getByTestId('user-message').last()).toContainText(text);
  await waitForAnswer(page);
}

/** Every conversation as stored in IndexedDB (the app's own database, read raw). */
export async function storedConversations(page: Page): Promise<Conversation[]> {
  return page.evaluate(
    () =>
      new Promise<Conversation[]>((resolve, reject) => {
        const open = indexedDB.open('qwen-local-chats');
        open.onupgradeneeded = () => open.result.createObjectStore('conversations');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('conversations').objectStore('conversations').getAll();
          all.onsuccess = () => resolve(all.result as Conversation[]);
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** The page has no horizontal scroll. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}
