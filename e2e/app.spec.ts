// The landing page: served cross-origin isolated, and the "This device" panel (in the Models
// panel) reports the WebGPU adapter. Holds on SwiftShader and on a real GPU alike.
import { expect, test } from '@playwright/test';

test('landing page reports this device', async ({ page }) => {
  await page.goto('/');

  await expect(page.getByRole('heading', { level: 1, name: 'Qwen Local' })).toBeVisible();
  // A string expression: e2e is type-checked with Node's libs, which have no `window`.
  expect(await page.evaluate('self.crossOriginIsolated')).toBe(true);

  await page.getByTestId('open-models').click();
  const panel = page.getByRole('region', { name: 'This device' });
  await expect(panel.getByRole('row', { name: /^Cross-origin isolated/ })).toContainText('yes');
  await expect(panel.getByRole('alert')).toHaveCount(0);

  const adapter = panel.getByRole('row', { name: /^WebGPU adapter/ }).getByRole('cell');
  await expect(adapter).not.toHaveText(/^(none|unnamed adapter)?$/);
  await expect(panel.getByRole('row', { name: /^shader-f16/ }).getByRole('cell')).toHaveText(/^(yes|no)$/);
  await expect(panel.getByRole('row', { name: /^Max buffer size/ }).getByRole('cell')).toHaveText(/^[\d,]+ MiB$/);
  await expect(panel.getByRole('row', { name: /^Max storage buffer binding size/ }).getByRole('cell')).toHaveText(
    /^[\d,]+ MiB$/,
  );
});
