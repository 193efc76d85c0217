// Qwen's own releases in the browser: the GPTQ-Int4, AWQ and bf16 fixtures (safetensors, in the
// official layouts) download through the store, convert in the engine worker, and decode on WASM
// and WebGPU with the greedy tokens onnxruntime-node gets on the same converted graph; the chat
// UI shows the conversion as its own phase and says what runs, and after a reload with the
// network off the stored conversion chats again; the compare view opens on Qwen's 0.5B pair.
import { expect, test, type Page } from '@playwright/test';
import type { LoadReport } from '../workers/protocol/messages.ts';
import { generate, openEngine } from './helpers/engine-page.ts';
import { load } from './helpers/store-page.ts';
import { HUB_SOURCE, HUB_URL, OFFICIAL_AWQ, OFFICIAL_BF16, OFFICIAL_GPTQ } from './helpers/hub.ts';
import { convertedOnnxDir, referenceGreedy, type ChatTurn } from './helpers/reference.ts';
import { waitForServiceWorker } from './helpers/api-page.ts';
import { assistantMessages, loadStatusSeen, openChat, recordLoadStatus, send } from './helpers/ui-chat.ts';

const GREEDY = { temperature: 0, repetition_penalty: 1 };
const HELLO: ChatTurn[] = [{ role: 'user', content: 'Hello, how are you?' }];

/** The stored model loaded on the page that is already open, on another device. */
async function loaded(page: Page, repo: string, device: 'wasm' | 'webgpu'): Promise<LoadReport> {
  const { report, error } = await load(page, { source: HUB_SOURCE, repo, device, dtype: 'q4' });
  expect(error).toBeNull();
  return report!;
}

for (const [format, repo, converted] of [
  ['GPTQ-Int4', OFFICIAL_GPTQ, 'gptq'],
  ['AWQ', OFFICIAL_AWQ, 'awq'],
  ['bf16', OFFICIAL_BF16, 'float'],
] as const) {
  test(`${format}: converted in the browser once; on WASM and on WebGPU, greedy tokens equal onnxruntime-node's on the same graph`, async ({ page }) => {
    test.setTimeout(300_000);
    // WASM first: it downloads and converts (no weights format given: the engine reads it from
    // the repo's files); WebGPU then loads the stored conversion.
    for (const [device, tokens] of [
      ['wasm', 16],
      ['webgpu', 4],
    ] as const) {
      const report = device === 'wasm' ? await openEngine(page, repo, device) : await loaded(page, repo, device);
      expect([report.device, report.dtype, report.converted]).toEqual([device, 'q4', converted]);
      if (device === 'webgpu') expect(report.downloadedBytes).toBe(0);
      const result = await generate(page, { input: { mode: 'chat', messages: HELLO }, maxTokens: tokens, sampling: GREEDY });
      console.log(`${format} on ${device}: load ${report.loadMs.toFixed(0)} ms${device === 'wasm' ? ' (download and conversion included)' : ''}, decode ${result.stats.decodeTokensPerSecond.toFixed(2)} tok/s`);
      expect(result.tokenIds).toEqual(await referenceGreedy(repo, 'model_q4.onnx', { messages: HELLO }, tokens, 'node', Infinity, await convertedOnnxDir(repo, 'q4')));
    }
  });
}

test('GPTQ-Int4 in the chat: download, build (its own phase), chat; then a reload with the network off chats from the store', async ({ page, context }) => {
  test.setTimeout(300_000);
  await openChat(page, { hub: HUB_URL, model: OFFICIAL_GPTQ });
  await waitForServiceWorker(page);
  await recordLoadStatus(page);
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 240_000 });
  // The build is its own phase, after the download and before the device preparation.
  const seen = await loadStatusSeen(page);
  const phase = (pattern: RegExp): number => seen.findIndex((text) => pattern.test(text));
  const building = phase(/^Building the 4-bit model from the [\d.]+ MB checkpoint, in this browser \(once\) · \d+%$/);
  expect(building, seen.join('\n')).toBeGreaterThan(phase(/^Downloading model\.safetensors/));
  expect(phase(/^Downloading model\.safetensors/)).toBeGreaterThanOrEqual(0);
  expect(phase(/^Preparing the model for this device/)).toBeGreaterThan(building);
  await expect(page.getByTestId('runs')).toHaveText('WASM · q4 · GPTQ-Int4 by Qwen');
  await send(page, 'Hello');
  await expect(assistantMessages(page).last()).not.toBeEmpty();

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.getByTestId('prompt-input')).toBeVisible();
    await page.getByTestId('load-model').click();
    await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('runs')).toHaveText('WASM · q4 · GPTQ-Int4 by Qwen');
    await send(page, 'Hello again');
    await expect(assistantMessages(page)).toHaveCount(2);
    await expect(assistantMessages(page).last()).not.toBeEmpty();
  } finally {
    await context.setOffline(false);
  }
});

test("the compare view opens on Qwen's 0.5B base and instruct, both converted from bf16", async ({ page }) => {
  await page.goto('/#/compare');
  await expect(page.getByTestId('compare-view')).toBeVisible();
  await expect(page.getByTestId('compare-base-repo')).toHaveValue('Qwen/Qwen2.5-0.5B');
  await expect(page.getByTestId('compare-chat-repo')).toHaveValue('Qwen/Qwen2.5-0.5B-Instruct');
});
