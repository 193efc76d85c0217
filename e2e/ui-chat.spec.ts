// The chat UI on forged models (random weights: the text is nonsense, the flows are real), on
// the WASM engine: download with progress, chat, stop, regenerate, edit, copy, delete.
import { expect, test } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { assistantMessages, loadModel, loadStatusSeen, openChat, recordLoadStatus, send, setSettings, storedConversations, waitForAnswer } from './helpers/ui-chat.ts';

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());
test.beforeEach(() => {
  hub.faults.length = 0;
});

test('a model downloads with progress, speed and time left, stops and resumes, then is marked ready and stored', async ({ page }) => {
  // A slow link so the download lasts long enough to report speed and time left.
  hub.faults.push({ kind: 'slow', path: 'onnx/model_q4.onnx', bytesPerSecond: 16 * 2 ** 20 });
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT, chunkMiB: 1 });
  await expect(page.getByTestId('load-status')).toHaveText('No model loaded');
  await page.getByTestId('load-model').click();
  const progress = page.getByTestId('download-progress');
  await expect(progress).toBeVisible();
  await expect(progress.getByRole('status')).toHaveText(/Downloading onnx\/model_q4\.onnx · [\d.]+ (KB|MB) of [\d.]+ MB \(\d+%\) · [\d.]+ (KB|MB)\/s · \d+ s left/);
  await expect(progress.getByRole('progressbar')).toBeVisible();
  // Stopping a download is not an error; loading again resumes it.
  await page.getByRole('button', { name: 'Stop download' }).click();
  await expect(page.getByTestId('load-status')).toHaveText('No model loaded');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await recordLoadStatus(page);
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 60_000 });
  // It resumed the download, then checked and prepared what it stored.
  const seen = await loadStatusSeen(page);
  for (const phase of [/^Downloading onnx\/model_q4\.onnx/, /^Checking the stored model/, /^Preparing the model for this device/]) expect(seen.some((text) => phase.test(text)), seen.join('\n')).toBe(true);
  await expect(page.getByTestId('load-status')).toHaveText('Ready');
  await expect(page.getByTestId('model-select').locator('option:checked')).toHaveText(`${TINY_INSTRUCT} · ✓ stored`);
  await expect(page.getByTestId('stats-device')).toHaveText('WASM · q4');
  await expect(page.getByTestId('notice-wasm')).toBeVisible();
});

test('chat: streaming answer, stop (button and Esc), regenerate, edit and resend, copy, delete', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await loadModel(page);
  // The settings show the model's defaults until changed, and reset returns to them.
  await page.getByTestId('open-settings').click();
  const temperature = page.getByTestId('temperature');
  const defaultTemperature = await temperature.inputValue();
  expect(defaultTemperature).toMatch(/^\d/);
  await temperature.fill('1.3');
  await temperature.dispatchEvent('change');
  await expect.poll(async () => (await storedConversations(page))[0]?.settings.temperature).toBe(1.3);
  await page.getByTestId('reset-settings').click();
  await expect(temperature).toHaveValue(defaultTemperature);
  await expect.poll(async () => (await storedConversations(page))[0]?.settings.temperature).toBeUndefined();
  await page.keyboard.press('Escape');
  await setSettings(page, { 'max-tokens': '8' });

  // Shift+Enter adds a line; Enter sends.
  await page.getByTestId('prompt-input').pressSequentially('Hello');
  await page.getByTestId('prompt-input').press('Shift+Enter');
  await page.getByTestId('prompt-input').pressSequentially('there');
  await expect(page.getByTestId('prompt-input')).toHaveValue('Hello\nthere');
  await expect(page.getByTestId('user-message')).toHaveCount(0);
  await page.getByTestId('prompt-input').fill('');

  await send(page, 'Hello there');
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(assistantMessages(page).first()).not.toBeEmpty();
  const stats = page.getByTestId('stats');
  await expect(stats.getByTestId('stats-speed')).toHaveText(/^[\d.]+ tok\/s$/);
  await expect(stats.getByTestId('stats-ttft')).toHaveText(/^first token \d+ ms$/);
  await expect(stats.getByTestId('stats-reused')).toHaveText(/^\d+ cached tokens reused$/);
  await expect(stats).toContainText(/Context \d+ \/ \d+/);
  // The conversation is named after its first message.
  await expect(page.getByTestId('conversation-item').first()).toContainText('Hello there');

  // Stop: a long answer, stopped by the button once it streams.
  await setSettings(page, { 'max-tokens': '400' });
  await page.getByTestId('prompt-input').fill('Tell me a long story');
  await page.getByTestId('send').click();
  await expect(assistantMessages(page).nth(1)).not.toBeEmpty();
  await page.getByTestId('stop').click();
  await waitForAnswer(page);
  await expect(assistantMessages(page).nth(1)).toContainText('Stopped.');
  let saved = (await storedConversations(page))[0]!;
  expect(saved.messages.map((m) => [m.role, m.status ?? ''])).toEqual([
    ['user', ''],
    ['assistant', 'length'],
    ['user', ''],
    ['assistant', 'stopped'],
  ]);
  expect(saved.messages[3]!.stats!.decodeTokens).toBeLessThan(400);

  // Esc stops too.
  await page.getByTestId('regenerate').click();
  await expect(page.getByTestId('stop')).toBeVisible();
  await expect(assistantMessages(page).nth(1)).not.toBeEmpty();
  await page.keyboard.press('Escape');
  await waitForAnswer(page);
  await expect(assistantMessages(page).nth(1)).toContainText('Stopped.');

  // Regenerate replaces the last answer and reuses the cached prompt.
  await setSettings(page, { 'max-tokens': '8' });
  const before = (await storedConversations(page))[0]!.messages[3]!.id;
  await page.getByTestId('regenerate').click();
  await waitForAnswer(page);
  await expect(assistantMessages(page)).toHaveCount(2);
  saved = (await storedConversations(page))[0]!;
  expect(saved.messages[3]!.id).not.toBe(before);
  expect(saved.messages[3]!.stats!.reusedTokens).toBeGreaterThan(0);

  // Edit the first question and resend: everything after it goes, the cache up to it is reused.
  await page.getByTestId('user-message').first().getByTestId('edit-message').click();
  await page.getByTestId('edit-input').fill('Hello again, edited');
  await page.getByTestId('edit-input').press('Enter');
  await waitForAnswer(page);
  await expect(page.getByTestId('user-message').getByTestId('message-text')).toHaveText(['Hello again, edited']);
  await expect(assistantMessages(page)).toHaveCount(1);
  saved = (await storedConversations(page))[0]!;
  expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  expect(saved.messages[0]!.content).toBe('Hello again, edited');
  expect(saved.messages[1]!.stats!.reusedTokens).toBeGreaterThan(0);
  expect(saved.messages[1]!.stats!.reusedTokens).toBeLessThan(saved.messages[1]!.stats!.promptTokens);

  // Copy puts the raw answer on the clipboard.
  await assistantMessages(page).first().getByTestId('copy-message').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(saved.messages[1]!.content);

  // Delete removes one message.
  await assistantMessages(page).first().getByTestId('delete-message').click();
  await expect(assistantMessages(page)).toHaveCount(0);
  await expect.poll(async () => (await storedConversations(page))[0]!.messages.length).toBe(1);
});
