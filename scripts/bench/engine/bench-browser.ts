// What every browser bench opens first: the app (with the transformers.js bench page when a run
// compares against it) built and previewed, the forged hub served, one headless Chromium and a
// context on it; closed again in one call.
import { chromium, type Browser } from '@playwright/test';
import { build, preview } from 'vite';
import { CHROMIUM_PATH } from '../../../e2e/helpers/browser.ts';
import { startHubServer } from '../../hub-server.ts';
import { allowLocalHubs } from '../../local-build.ts';
import { BENCH_HUB } from '../bench-hub.ts';
import type { BrowserSetup } from './browser-runners.ts';

export interface BenchBrowser {
  browser: Browser;
  setup: BrowserSetup;
  close(): Promise<void>;
}

export async function openBenchBrowser(options: { dist: string; port: number; args: string[]; transformersPage: boolean }): Promise<BenchBrowser> {
  const { dist, port, args, transformersPage } = options;
  console.log(transformersPage ? 'building the app with the transformers.js bench page …' : 'building the app …');
  allowLocalHubs();
  const input = transformersPage ? { rollupOptions: { input: { app: 'index.html', transformers: 'scripts/bench/browser/transformers.html' } } } : {};
  await build({ logLevel: 'warn', build: { outDir: dist, emptyOutDir: true, ...input } });
  const server = await preview({ build: { outDir: dist }, preview: { port }, logLevel: 'warn' });
  const hub = await startHubServer(BENCH_HUB, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
  const close = async (): Promise<void> => {
    await browser.close();
    await hub.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  };
  try {
    const setup: BrowserSetup = {
      context: await browser.newContext(),
      cdp: await browser.newBrowserCDPSession(),
      appUrl: server.resolvedUrls!.local[0]!,
      hubUrl: hub.url.replace(/\/$/, ''),
    };
    return { browser, setup, close };
  } catch (error) {
    await close();
    throw error;
  }
}
