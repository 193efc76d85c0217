// `npm run verify:long`: the long-context checks in verify/, on the e2e setup (the built app, the
// hub stand-in, Chromium with WebGPU) with timeouts sized for minutes-long prefills.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

export default defineConfig({
  ...base,
  testDir: 'verify',
  timeout: 3_600_000,
});
