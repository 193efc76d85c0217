// Every visible string in both languages: the language comes from the browser, switches at
// run time, stays switched after a reload; no screen shows the other language's UI text.
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { loadModel, openChat, send, setSettings } from './helpers/ui-chat.ts';
import { SHOWCASE, exportBuffer } from './helpers/ui-fixtures.ts';
import { expectTranslated } from './helpers/ui-i18n.ts';

let hub: HubServer;
test.beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
});
test.afterAll(() => hub.close());

/** Checks the chat screen, both panels, the structured-output tab and the phone layout. */
async function checkScreens(page: Page, language: 'en' | 'zh-CN'): Promise<void> {
  await expectTranslated(page, language, 'chat');
  await page.getByTestId('open-models').click();
  await expect(page.getByTestId('models-drawer').getByRole('cell').first()).toBeVisible();
  await expectTranslated(page, language, 'models panel');
  await page.keyboard.press('Escape');
  await page.getByTestId('open-settings').click();
  await expectTranslated(page, language, 'settings panel');
  await page.keyboard.press('Escape');
  await page.getByTestId('structured-tab').click();
  await expect(page.getByTestId('json-panel')).toBeVisible();
  await expectTranslated(page, language, 'structured output');
  await page.goBack();
  await page.setViewportSize({ width: 390, height: 844 });
  await expectTranslated(page, language, 'phone chat');
  await page.locator('button[aria-controls="sidebar"]').click();
  await expect(page.getByTestId('new-chat')).toBeVisible();
  await expectTranslated(page, language, 'phone sidebar');
  await page.locator('.scrim').click({ position: { x: 370, y: 400 } });
  await expect(page.getByTestId('new-chat')).toBeHidden();
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the UI speaks English and Chinese, switchable, with nothing left untranslated', async ({ page }) => {
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await page.getByTestId('import-file').setInputFiles(exportBuffer(SHOWCASE));
  await loadModel(page);
  await setSettings(page, { 'max-tokens': '4' });
  await send(page, 'Hello');
  await expect(page.getByTestId('language-select')).toHaveValue('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await checkScreens(page, 'en');

  await page.getByTestId('language-select').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('send')).toHaveText('发送');
  await checkScreens(page, 'zh-CN');

  await page.reload();
  await expect(page.getByTestId('language-select')).toHaveValue('zh-CN');
  await expect(page.getByTestId('load-status')).toHaveText('未加载模型');
});

test.describe('with a Chinese browser', () => {
  test.use({ locale: 'zh-CN' });
  test('the first visit is in Chinese', async ({ page }) => {
    await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
    await expect(page.getByTestId('language-select')).toHaveValue('zh-CN');
    await expect(page.getByTestId('new-chat')).toHaveText('新对话');
    await expectTranslated(page, 'zh-CN', 'first visit');
  });
});
