// Chromium without its WebGPU flags offers no adapter here: the engine must run on WASM
// and say why, as it would for a user whose GPU is blocklisted.
import { expect, test } from '@playwright/test';
import { BASE_ARGS, CHROMIUM_PATH } from './helpers/browser.ts';
import { generate, openEngine } from './helpers/engine-page.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: BASE_ARGS } });

test('without a WebGPU adapter the engine falls back to WASM and says why', async ({ page }) => {
  const report = await openEngine(page, TINY_INSTRUCT, 'webgpu');
  expect(report.device).toBe('wasm');
  expect(report.adapter).toBeNull();
  expect(report.notes.join(' ')).toMatch(/(has no WebGPU|no usable GPU adapter).*slower WASM engine/);
  const result = await generate(page, {
    input: { mode: 'chat', messages: [{ role: 'user', content: 'Hello' }] },
    maxTokens: 4,
    sampling: { temperature: 0 },
  });
  expect(result.tokenIds.length).toBe(4);
});
