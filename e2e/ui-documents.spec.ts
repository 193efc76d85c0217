// Documents in the chat, on the tiny forged model (WASM) with the real Qwen2.5 tokenizer: a
// 100-page PDF read by pdf.js, counted by the engine exactly as it is then sent, answered and
// kept across a reload; an attachment over the context gets the message, blocks the send, loses
// nothing across a reload, and fits once the model is loaded with YaRN.
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { contentWithAttachments } from '../src/lib/documents/attachment.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { textPdf } from './helpers/pdf.ts';
import { promptTokens } from './helpers/reference.ts';
import { loadModel, openChat, setSettings, storedConversations, waitForAnswer } from './helpers/ui-chat.ts';

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());

const PAGES = Array.from({ length: 100 }, (_, i) => [
  `Page ${i + 1} of the Grand Canal survey.`,
  `Lock ${i + 1} was rebuilt in ${1400 + i * 3} and is ${8 + (i % 7)} metres wide.`,
  `The towpath here runs ${i * 11 + 5} metres along the (east) bank.`,
]);

/** The user message as the model reads it, counted by the reference tokenizer with the chat template. */
async function referenceCount(content: string): Promise<number> {
  return (await promptTokens(TINY_INSTRUCT, { messages: [{ role: 'user', content }] })).length;
}

async function draftAttachments(page: Page) {
  return (await storedConversations(page))[0]?.draftAttachments ?? [];
}

test('a 100-page PDF is read, counted as it is sent, answered, and kept with its message across a reload', async ({ page }) => {
  test.setTimeout(240_000);
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await loadModel(page);
  await setSettings(page, { 'max-tokens': '4' });

  await page.getByTestId('attach-input').setInputFiles({ name: 'grand-canal-survey.pdf', mimeType: 'application/pdf', buffer: textPdf(PAGES) });
  const card = page.getByTestId('draft-attachments').getByTestId('attachment');
  await expect(card.getByTestId('attachment-name')).toHaveText('grand-canal-survey.pdf');
  await expect(card).toContainText('100 pages');
  // Every page's text, in order, as pdf.js read it.
  await expect.poll(async () => (await draftAttachments(page)).length).toBe(1);
  const [pdf] = await draftAttachments(page);
  expect(pdf!.pages).toBe(100);
  const lines = pdf!.text.split('\n').filter(Boolean);
  expect(lines).toEqual(PAGES.flat());

  // The count is the engine's, of the whole conversation as it would be sent.
  const fit = page.getByTestId('attachment-fit');
  await expect(fit).toHaveAttribute('data-state', 'fits', { timeout: 60_000 });
  const counted = await referenceCount(contentWithAttachments('', [pdf!]));
  expect(counted).toBeGreaterThan(3000);
  await expect(fit).toHaveText(`With the documents this chat is ${counted.toLocaleString('en-US')} of 32,768 tokens of context.`);

  const question = 'How wide is lock 42?';
  await page.getByTestId('prompt-input').fill(question);
  await page.getByTestId('send').click();
  await waitForAnswer(page);
  await expect(page.getByTestId('draft-attachments')).toHaveCount(0);
  const sent = page.getByTestId('user-message').last();
  await expect(sent.getByTestId('attachment-name')).toHaveText('grand-canal-survey.pdf');
  await expect(sent.getByTestId('message-text')).toHaveText(question);
  const stored = await storedConversations(page);
  const answer = stored[0]!.messages.at(-1)!;
  expect(answer.role).toBe('assistant');
  expect(answer.stats!.promptTokens).toBe(await referenceCount(contentWithAttachments(question, [pdf!])));

  await page.reload();
  const again = page.getByTestId('user-message').last();
  await expect(again.getByTestId('attachment-name')).toHaveText('grand-canal-survey.pdf');
  await again.getByTestId('attachment').locator('summary').click();
  await expect(again.getByTestId('attachment-text')).toContainText('Page 100 of the Grand Canal survey.');
});

test('an attachment over the context gets the message and blocks the send; nothing is lost on reload; YaRN makes it fit', async ({ page }) => {
  test.setTimeout(300_000);
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await loadModel(page);

  // About 45,000 tokens of text: more than the 32,768-token window.
  const long = Array.from({ length: 4500 }, (_, i) => `Stone bridge ${i} crosses the canal at mile ${i * 3}.`).join(' ');
  await page.getByTestId('attach-input').setInputFiles({ name: 'bridges.txt', mimeType: 'text/plain', buffer: Buffer.from(long) });
  // A long paste becomes an attachment too; a picture is refused with the reason.
  await page.getByTestId('prompt-input').evaluate((box, text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, 'Ferry timetable. '.repeat(300));
  await expect(page.getByTestId('prompt-input')).toHaveValue('');
  await page.getByTestId('attach-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
  await expect(page.getByTestId('attachment-failure')).toHaveText('“photo.png” is not a file the chat reads. Attach .txt, .md, .pdf or .docx, or paste the text.');
  await expect(page.getByTestId('draft-attachments').getByTestId('attachment-name')).toHaveText(['bridges.txt', 'Pasted text 2']);

  const fit = page.getByTestId('attachment-fit');
  await expect(fit).toHaveAttribute('data-state', 'over', { timeout: 60_000 });
  await expect(fit).toContainText('more than the model’s context of 32,768');
  await page.getByTestId('prompt-input').fill('Summarise the bridges.');
  await expect(page.getByTestId('send')).toBeDisabled();

  // A reload keeps the typed text and both documents; the count waits for a model.
  await expect.poll(async () => (await draftAttachments(page)).map((a) => a.name)).toEqual(['bridges.txt', 'Pasted text 2']);
  await expect.poll(async () => (await storedConversations(page))[0]?.draft).toBe('Summarise the bridges.');
  await page.reload();
  await expect(page.getByTestId('prompt-input')).toHaveValue('Summarise the bridges.');
  await expect(page.getByTestId('draft-attachments').getByTestId('attachment-name')).toHaveText(['bridges.txt', 'Pasted text 2']);
  await expect(fit).toHaveText('Load a model on this device to count the document against its context.');
  await loadModel(page);
  await expect(fit).toHaveAttribute('data-state', 'over', { timeout: 60_000 });

  // YaRN: four times the window, and the same documents fit.
  await page.getByTestId('load-long-context').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
  await expect(fit).toHaveAttribute('data-state', 'fits', { timeout: 60_000 });
  await expect(fit).toContainText('of 131,072 tokens');
  // The choice is kept for this model: its next load asks for YaRN too.
  expect(await page.evaluate(() => localStorage.getItem('qwen-local.long-context-models'))).toBe(JSON.stringify(['qwen-local-forge/Qwen2.5-Tiny-Instruct']));
  await expect(page.getByTestId('send')).toBeEnabled();
  await page.getByTestId('draft-attachments').getByRole('button', { name: 'Remove bridges.txt' }).click();
  await expect(page.getByTestId('draft-attachments').getByTestId('attachment-name')).toHaveText(['Pasted text 2']);
  await expect.poll(async () => (await draftAttachments(page)).map((a) => a.name)).toEqual(['Pasted text 2']);
});
