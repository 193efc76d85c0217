// The errors users meet, each as a clear message in their language: no WebGPU (with the WASM
// switch), tokenizer files that do not match the model, a repository that is not there, and
// running out of GPU memory mid-chat (the conversation is kept and the model can be reloaded).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../scripts/hub-server.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';
import { assistantMessages, chatUrl, loadModel, openChat, send, setSettings } from './helpers/ui-chat.ts';

const BAD_TOKENIZER = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-BadTokenizer';

let hub: HubServer;
let root: string;
test.beforeAll(async () => {
  // The forged hub plus a copy of the tiny model whose config claims a smaller vocabulary than
  // its tokenizer has: the tokenizer files do not belong to it.
  root = mkdtempSync(join(tmpdir(), 'ui-hub-'));
  const good = join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main');
  const bad = join(root, BAD_TOKENIZER, 'resolve', 'main');
  cpSync(good, join(root, TINY_INSTRUCT, 'resolve', 'main'), { recursive: true });
  cpSync(good, bad, { recursive: true });
  const config = JSON.parse(readFileSync(join(bad, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...config, vocab_size: 32000 }));
  hub = await startHubServer(root);
});
test.afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

test('without WebGPU the app explains and offers the WASM engine', async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
  await page.goto(`/?hub=${encodeURIComponent(hub.url)}&model=${encodeURIComponent(TINY_INSTRUCT)}`);
  const banner = page.getByRole('alert').filter({ hasText: 'No WebGPU adapter' });
  await expect(banner).toContainText('This browser has no WebGPU');
  await banner.getByRole('button', { name: 'Use the WASM (CPU) engine' }).click();
  await expect(banner).toHaveCount(0);
  await page.getByTestId('open-models').click();
  await expect(page.getByTestId('device-select')).toHaveValue('wasm');
  await expect(page.getByText('No WebGPU: models run on the CPU, slowly.')).toBeVisible();
  await page.keyboard.press('Escape');
  await loadModel(page);
  await expect(page.getByTestId('notice-wasm')).toBeVisible();
});

test('tokenizer files that do not match the model are refused, in Chinese', async ({ page }) => {
  await page.goto(chatUrl({ hub: hub.url, model: BAD_TOKENIZER }));
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('load-model').click();
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-code', 'tokenizer_mismatch');
  await expect(error).toContainText('分词器文件与模型不匹配，输出会是乱码');
  await error.getByText('详情').click();
  await expect(error).toContainText('do not match');
  await expect(page.getByTestId('model-ready')).toHaveCount(0);
});

test('a custom repository: checked as typed, and a missing one is reported', async ({ page }) => {
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await page.getByTestId('open-models').click();
  await page.getByTestId('custom-repo').fill('not a repo id');
  await page.getByRole('button', { name: 'Use', exact: true }).first().click();
  await expect(page.getByText('Enter a repository id like owner/name.')).toBeVisible();
  await page.getByTestId('custom-repo').fill('qwen-local-forge/Does-Not-Exist');
  await page.getByTestId('custom-repo').press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('model-select')).toHaveValue('qwen-local-forge/Does-Not-Exist');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', /model_files_invalid|model_fetch_failed/);
  await expect(page.getByTestId('error')).toContainText(/not a compatible Qwen2.5 model|could not be downloaded/);
});

test('out of memory mid-chat keeps the conversation and the model loads again', async ({ page }) => {
  // The engine's answer to the next generate request becomes an out_of_memory error event,
  // as the worker sends it when onnxruntime fails to allocate.
  await page.addInitScript(() => {
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, message: { kind?: string; id?: string }, ...rest: unknown[]) {
      const failure = (globalThis as { failNextGenerate?: unknown }).failNextGenerate;
      if (failure && message?.kind === 'generate') {
        (globalThis as { failNextGenerate?: unknown }).failNextGenerate = undefined;
        setTimeout(() => this.onmessage?.(new MessageEvent('message', { data: { kind: 'error', id: message.id, error: failure } })));
        return;
      }
      return (post as (...args: unknown[]) => void).call(this, message, ...rest);
    } as typeof Worker.prototype.postMessage;
  });
  await openChat(page, { hub: hub.url, model: TINY_INSTRUCT });
  await loadModel(page);
  await setSettings(page, { 'max-tokens': '4' });
  await send(page, 'First question');
  await page.evaluate(() => {
    (globalThis as { failNextGenerate?: unknown }).failNextGenerate = { code: 'out_of_memory', message: 'The model ran out of memory.', detail: { cause: 'Failed to allocate' } };
  });
  await page.getByTestId('prompt-input').fill('Second question');
  await page.getByTestId('prompt-input').press('Enter');
  const error = assistantMessages(page).last().getByTestId('error');
  await expect(error).toHaveAttribute('data-code', 'out_of_memory');
  await expect(error).toContainText('The GPU ran out of memory. Choose a smaller model');
  await expect(page.getByTestId('model-ready')).toHaveCount(0);
  await expect(page.getByTestId('user-message').getByTestId('message-text')).toHaveText(['First question', 'Second question']);

  await loadModel(page);
  await page.getByTestId('regenerate').click();
  await expect(assistantMessages(page).last().getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('send')).toBeVisible();
  await expect(assistantMessages(page)).toHaveCount(2);
  await expect(assistantMessages(page).last()).not.toBeEmpty();
});
