// The official `openai` npm package as one ES module for a browser page: bundled by Vite from
// node_modules at test time, then served to the page at a same-origin path it imports (the
// app's Content-Security-Policy allows scripts from 'self' only, not blob: URLs).
import { build, type Rolldown } from 'vite';
import type { Page } from '@playwright/test';

let bundled: Promise<string> | null = null;

export function openaiBundle(): Promise<string> {
  bundled ??= build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: 'node_modules/openai/index.mjs', formats: ['es'], fileName: 'openai' },
      rollupOptions: { output: { codeSplitting: false } },
    },
  }).then((result) => {
    const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
    const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
    if (!chunk || chunk.type !== 'chunk') throw new Error('vite produced no bundle for openai');
    return chunk.code;
  });
  return bundled;
}

const BUNDLE_PATH = '/__e2e__/openai.mjs';

/** Makes `window.OpenAI` the package's client class in the page. */
export async function installOpenai(page: Page): Promise<void> {
  const code = await openaiBundle();
  // On the context, so the request is caught even when the app's Service Worker fetches it.
  await page.context().route(`**${BUNDLE_PATH}`, (route) => route.fulfill({ body: code, contentType: 'text/javascript' }));
  await page.evaluate(async (path) => {
    const module = (await import(/* @vite-ignore */ path)) as { default: unknown };
    (window as unknown as { OpenAI: unknown }).OpenAI = module.default;
  }, BUNDLE_PATH);
}
