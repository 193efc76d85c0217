// Nothing typed is lost: conversations, titles, drafts, settings and an answer cut off by a
// reload survive it; export and import round-trip every conversation.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { assistantMessages, loadModel, openChat, send, setSettings, storedConversations } from './helpers/ui-chat.ts';

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());

test('conversations, drafts, settings and an interrupted answer survive a reload; export/import round-trips', async ({ page }, testInfo) => {
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await loadModel(page);
  await setSettings(page, { 'system-prompt': 'You are terse.', temperature: '0.5', 'top-p': '0.9', 'max-tokens': '6' });
  await send(page, 'First chat question');

  // A second chat (it inherits the settings), renamed, with a long answer cut off by a reload.
  await page.getByTestId('new-chat').click();
  await expect(page.getByTestId('conversation-item')).toHaveCount(2);
  await setSettings(page, { 'max-tokens': '400' });
  await page.getByTestId('prompt-input').fill('Second chat question');
  await page.getByTestId('send').click();
  await expect(assistantMessages(page).first()).not.toBeEmpty();
  // Streamed text reaches IndexedDB while it streams (throttled), so a reload keeps it.
  await expect.poll(async () => (await storedConversations(page)).find((c) => c.title === 'Second chat question')?.messages[1]?.content.length ?? 0).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByTestId('interrupted')).toBeVisible();
  await expect(assistantMessages(page).first()).not.toBeEmpty();

  const second = page.getByTestId('conversation-item').filter({ hasText: 'Second chat question' });
  await second.getByRole('button', { name: 'Rename Second chat question' }).click();
  await page.getByTestId('rename-input').fill('Renamed chat');
  await page.getByTestId('rename-input').press('Enter');
  await expect(page.getByTestId('conversation-item').filter({ hasText: 'Renamed chat' })).toHaveCount(1);

  // A half-written message in the first chat.
  await page.getByTestId('conversation-item').filter({ hasText: 'First chat question' }).getByRole('button', { name: 'First chat question', exact: true }).click();
  await page.getByTestId('prompt-input').fill('A draft I have not sent\nwith two lines');
  await expect.poll(async () => (await storedConversations(page)).find((c) => c.title === 'First chat question')?.draft).toBe('A draft I have not sent\nwith two lines');
  const before = await storedConversations(page);

  await page.reload();
  await expect(page.getByTestId('conversation-item')).toHaveText([/Renamed chat/, /First chat question/]);
  await expect(page.getByTestId('prompt-input')).toHaveValue('A draft I have not sent\nwith two lines');
  await expect(page.getByTestId('user-message').getByTestId('message-text')).toHaveText(['First chat question']);
  await page.getByTestId('open-settings').click();
  const drawer = page.getByTestId('settings-drawer');
  await expect(drawer.getByTestId('system-prompt')).toHaveValue('You are terse.');
  await expect(drawer.getByTestId('temperature')).toHaveValue('0.5');
  await expect(drawer.getByTestId('top-p')).toHaveValue('0.9');
  await expect(drawer.getByTestId('max-tokens')).toHaveValue('6');
  await page.keyboard.press('Escape');
  expect(sortById(await storedConversations(page))).toEqual(sortById(before));

  // Export, delete everything, import: the same conversations come back.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-chats').click();
  const file = testInfo.outputPath('export.json');
  await (await download).saveAs(file);
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; conversations: unknown[] };
  expect(exported.format).toBe('qwen-local-conversations');
  expect(exported.conversations).toHaveLength(2);

  page.on('dialog', (dialog) => void dialog.accept());
  for (const name of ['Renamed chat', 'First chat question']) {
    await page.getByRole('button', { name: `Delete ${name}` }).click();
  }
  await expect(page.getByTestId('conversation-item')).toHaveCount(1);
  await expect(page.getByTestId('conversation-item')).toHaveText(/New chat/);

  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByRole('status').filter({ hasText: 'Conversations imported: 2.' })).toBeVisible();
  // The empty chat left after the deletes is no longer open, so it is not listed.
  await expect(page.getByTestId('conversation-item')).toHaveText([/Renamed chat/, /First chat question/]);
  const restored = (await storedConversations(page)).filter((c) => c.messages.length > 0);
  expect(sortById(restored)).toEqual(sortById(before));

  // A file that is not an export is refused with the reason.
  await page.getByTestId('import-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"other"}') });
  await expect(page.getByRole('status').filter({ hasText: 'This file is not a Qwen Local export' })).toBeVisible();
});

function sortById<T extends { id: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => a.id.localeCompare(b.id));
}
