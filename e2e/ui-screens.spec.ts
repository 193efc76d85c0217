// The main screens at desktop and phone width, light and dark, English and Chinese:
// screenshots for the record, and no horizontal scroll at phone width on any of them.
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { expectNoHorizontalScroll, loadModel, openChat } from './helpers/ui-chat.ts';
import { SHOWCASE, exportBuffer } from './helpers/ui-fixtures.ts';

const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
// For the record, into the test's output folder: not committed and not compared (fonts and
// antialiasing differ between machines; what each test asserts is the layout, not the pixels).
const shot = (name: string): string => test.info().outputPath(`${name}.png`);

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());

async function prepare(page: Page): Promise<void> {
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await page.getByTestId('import-file').setInputFiles(exportBuffer(SHOWCASE));
  await expect(page.locator('.katex').first()).toBeVisible();
  await loadModel(page);
  await page.getByTestId('prompt-input').fill('How does the closed form work?');
}

for (const scheme of ['light', 'dark'] as const) {
  test(`main screens, ${scheme}`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize(VIEWPORTS.desktop);
    await prepare(page);
    await page.screenshot({ path: shot(`chat-desktop-${scheme}`) });
    await page.getByTestId('open-models').click();
    await expect(page.getByTestId('models-drawer').getByRole('cell').first()).toBeVisible();
    await page.screenshot({ path: shot(`models-desktop-${scheme}`) });
    await page.keyboard.press('Escape');

    await page.setViewportSize(VIEWPORTS.phone);
    await expect(page.getByRole('button', { name: 'Conversations' })).toBeVisible();
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: shot(`chat-phone-${scheme}`) });
    await page.getByRole('button', { name: 'Conversations' }).click();
    await expect(page.getByTestId('new-chat')).toBeVisible();
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: shot(`sidebar-phone-${scheme}`) });
    await page.getByRole('button', { name: 'Fibonacci in Python', exact: true }).click();
    await expect(page.getByTestId('new-chat')).toBeHidden();

    await page.getByTestId('open-settings').click();
    await expect(page.getByTestId('system-prompt')).toBeVisible();
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: shot(`settings-phone-${scheme}`) });
    await page.keyboard.press('Escape');
    await page.getByTestId('open-models').click();
    await expect(page.getByTestId('models-drawer').getByRole('cell').first()).toBeVisible();
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: shot(`models-phone-${scheme}`) });
    await page.keyboard.press('Escape');

    // The same chat in Chinese.
    await page.getByTestId('language-select').selectOption('zh-CN');
    await expect(page.getByTestId('send')).toHaveText('发送');
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: shot(`chat-phone-${scheme}-zh`) });
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.screenshot({ path: shot(`chat-desktop-${scheme}-zh`) });
  });
}
