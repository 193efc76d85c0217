// Assistant messages go through the sanitizing Markdown renderer: hostile HTML in an answer is
// inert (no script, no event handler, no javascript: link, no remote image), while code is
// highlighted with a copy button and math is typeset.
import { expect, test } from '@playwright/test';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { HOSTILE, SHOWCASE, exportBuffer } from './helpers/ui-fixtures.ts';
import { openChat } from './helpers/ui-chat.ts';

test('hostile HTML in an answer renders inert', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await page.getByTestId('import-file').setInputFiles(exportBuffer(HOSTILE));
  const answer = page.getByTestId('assistant-message');
  await expect(answer).toContainText('Here is an image:');
  await expect(answer).toContainText('Safe link: Qwen');

  const markdown = answer.locator('.markdown');
  await expect(markdown.locator('script, iframe, svg, img, object, embed, style')).toHaveCount(0);
  const handlers = await markdown.evaluate((root) =>
    [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name) || a.name === 'style').map((a) => `${el.tagName} ${a.name}`)),
  );
  expect(handlers).toEqual([]);
  const hrefs = await markdown.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  expect(hrefs.filter((h) => h && !/^https?:/.test(h))).toEqual([]);
  expect(hrefs).toContain('https://qwenlm.github.io/');
  await expect(markdown.getByRole('link', { name: 'Qwen' })).toHaveAttribute('rel', 'noopener noreferrer nofollow');

  // Hover and click what is left: nothing runs.
  await markdown.hover();
  for (const link of await markdown.locator('a:not([href^="http"])').all()) await link.click();
  expect(await page.evaluate('window.__pwned ?? null')).toBeNull();
  expect(dialogs).toEqual([]);
  expect(requests.filter((u) => u.includes('example.com') || u.endsWith('/x'))).toEqual([]);
});

test('code is highlighted with a copy button, math is typeset', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await page.getByTestId('import-file').setInputFiles(exportBuffer(SHOWCASE));
  const answer = page.getByTestId('assistant-message').first();
  await expect(answer.locator('code.hljs .hljs-keyword').first()).toHaveText('def');
  await expect(answer.locator('.katex-display')).toHaveCount(1);
  await expect(answer.locator('.katex')).toHaveCount(3);
  await answer.getByRole('button', { name: 'Copy code' }).click();
  await expect(answer.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('def fib(n: int) -> int:');
});
