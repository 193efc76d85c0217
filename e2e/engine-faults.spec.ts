// The engine failing under the chat, without a page reload: the GPU device lost (destroyed from
// the test, as a driver reset would), and the engine worker crashing in the middle of an answer.
// Each ends in a clear message on the answer, and "Load the model again" brings the chat back.
// The test reaches into the engine worker with Playwright's worker handle; the app has no hook.
import { expect, test, type Page, type Worker } from '@playwright/test';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { assistantMessages, loadModel, send, setSettings, waitForAnswer } from './helpers/ui-chat.ts';

const WEBGPU_LOAD_MS = 240_000;

/** Opens the chat on `device` and returns the engine worker's handle (made as the page starts). */
async function openWithEngine(page: Page, device: 'webgpu' | 'wasm'): Promise<Worker> {
  const started = page.waitForEvent('worker', (w) => w.url().includes('engine.worker'));
  await page.goto(`/?hub=${encodeURIComponent(HUB_URL)}&model=${encodeURIComponent(TINY_INSTRUCT)}&device=${device}&dtype=q4`);
  await expect(page.getByTestId('prompt-input')).toBeVisible();
  // Marks this document: still there at the end means no reload happened.
  await page.evaluate(() => ((globalThis as { noReload?: boolean }).noReload = true));
  return started;
}

async function expectNoReload(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as { noReload?: boolean }).noReload)).toBe(true);
}

/** Sends the second question and expects its answer to end in the error `code` saying `text`. */
async function askAndExpectError(page: Page, code: string, text: string): Promise<void> {
  await page.getByTestId('prompt-input').fill('Second question');
  await page.getByTestId('prompt-input').press('Enter');
  const error = assistantMessages(page).last().getByTestId('error');
  await expect(error).toHaveAttribute('data-code', code);
  await expect(error).toContainText(text);
}

/** Loads the model again from the failed answer, then regenerates it: a working chat. */
async function loadAgainAndRegenerate(page: Page, loadMs: number): Promise<void> {
  await assistantMessages(page).last().getByTestId('reload-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: loadMs });
  await page.getByTestId('regenerate').click();
  await waitForAnswer(page);
  await expect(assistantMessages(page).last().getByTestId('error')).toHaveCount(0);
  await expect(assistantMessages(page).last()).not.toBeEmpty();
  await expect(page.getByTestId('user-message').getByTestId('message-text')).toHaveText(['First question', 'Second question']);
}

test('a lost GPU device ends in a clear message, and the chat works after loading again', async ({ page }) => {
  // SwiftShader runs the warm-up's decode steps at seconds each, and it runs twice.
  test.setTimeout(600_000);
  const engine = await openWithEngine(page, 'webgpu');
  // Keep the devices the engine asks for, so the test can destroy its device.
  await engine.evaluate(() => {
    const scope = globalThis as unknown as { devices: GPUDevice[] };
    scope.devices = [];
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
      const device = await request.call(this, descriptor);
      scope.devices.push(device);
      return device;
    };
  });
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-ready')).toBeVisible({ timeout: WEBGPU_LOAD_MS });
  await setSettings(page, { 'max-tokens': '2' });
  await send(page, 'First question');

  // The engine's own handler of device.lost runs before this one, registered later, settles.
  await engine.evaluate(async () => {
    const device = (globalThis as unknown as { devices: GPUDevice[] }).devices.at(-1)!;
    device.destroy();
    await device.lost;
  });
  await askAndExpectError(page, 'device_lost', 'The GPU stopped responding (device lost). Load the model again');
  await expect(page.getByTestId('model-ready')).toHaveCount(0);

  await loadAgainAndRegenerate(page, WEBGPU_LOAD_MS);
  // A new device, not the dead one.
  expect(await engine.evaluate(() => (globalThis as unknown as { devices: GPUDevice[] }).devices.length)).toBe(2);
  await expectNoReload(page);
});

test('a crashed engine worker ends the answer with a clear message, and the chat works after loading again', async ({ page }) => {
  const engine = await openWithEngine(page, 'wasm');
  await loadModel(page);
  await setSettings(page, { 'max-tokens': '2' });
  await send(page, 'First question');

  // The next generate request makes the worker throw, uncaught, instead of answering.
  await engine.evaluate(() => {
    const scope = globalThis as unknown as { onmessage: (event: MessageEvent<{ kind: string }>) => void };
    const handle = scope.onmessage;
    scope.onmessage = (event) => {
      if (event.data.kind !== 'generate') return handle(event);
      setTimeout(() => {
        throw new Error('simulated engine crash');
      });
    };
  });
  const restarted = page.waitForEvent('worker', (w) => w.url().includes('engine.worker'));
  await askAndExpectError(page, 'engine_crashed', 'The engine stopped unexpectedly and was restarted. Load the model again');
  // Not left spinning: Stop is gone, Send is back.
  await expect(page.getByTestId('stop')).toHaveCount(0);
  await expect(page.getByTestId('send')).toBeVisible();
  await expect(page.getByTestId('model-ready')).toHaveCount(0);

  await loadAgainAndRegenerate(page, 60_000);
  // The load went to a fresh worker.
  await restarted;
  await expectNoReload(page);
});
