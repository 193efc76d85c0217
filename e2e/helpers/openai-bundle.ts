// The official `openai` npm package as one ES module for a browser page: bundled by Vite from
// node_modules at test time, then imported in the page from a blob: URL (same origin, so the
// page's cross-origin isolation allows it).
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

/** Makes `window.OpenAI` the package's client class in the page. */
export async function installOpenai(page: Page): Promise<void> {
  const code = await openaiBundle();
  await page.evaluate(async (source) => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const module = (await import(/* @vite-ignore */ url)) as { default: unknown };
    (window as unknown as { OpenAI: unknown }).OpenAI = module.default;
  }, code);
}
