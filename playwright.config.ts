// End-to-end tests against the production build served by `vite preview` (COOP/COEP included).
// Chromium gets WebGPU in headless mode; with no GPU it offers the SwiftShader software adapter.
import { defineConfig } from '@playwright/test';
import { BASE_ARGS, CHROMIUM_PATH, WEBGPU_ARGS } from './e2e/helpers/browser.ts';
import { APP_PORT as PORT, EMBED_ENV } from './e2e/helpers/embed-hosts.ts';
import { HUB_PORT } from './e2e/helpers/hub.ts';

// The hosts the tests connect to beyond the built-in model sources: the hub stand-ins (on
// localhost; e2e/store.spec.ts starts faulty ones on random ports) and the remote OpenAI
// stand-ins of e2e/remote.spec.ts on 127.0.0.1 (the last one is there to be unreachable).
const CONNECT_SRC = ['http://localhost:*', ...[20, 21, 22, 23].map((offset) => `http://127.0.0.1:${PORT + offset}`)].join(' ');

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  forbidOnly: Boolean(process.env['CI']),
  reporter: 'list',
  // SwiftShader runs WebGPU on the CPU, so anything touching the GPU is slow.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  use: {
    baseURL: `http://localhost:${PORT}`,
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: { executablePath: CHROMIUM_PATH, args: [...WEBGPU_ARGS, ...BASE_ARGS] },
  },
  webServer: [
    {
      command: `npm run build && npx vite preview --port ${PORT} --strictPort`,
      // Which host pages may embed the app (e2e/api-embed.spec.ts): baked into the build and
      // sent by the preview server as frame-ancestors; and the Content-Security-Policy's extra
      // connect-src hosts.
      env: { ...(process.env as Record<string, string>), ...EMBED_ENV, VITE_CONNECT_SRC: CONNECT_SRC },
      url: `http://localhost:${PORT}`,
      reuseExistingServer: !process.env['CI'],
      timeout: 120_000,
    },
    {
      // The stand-in for the Hugging Face hub: forged fixtures (npm run forge:fixtures).
      command: `npm run hub -- e2e/fixtures/hub ${HUB_PORT}`,
      url: `http://localhost:${HUB_PORT}/qwen-local-forge/Qwen2.5-Tiny-Instruct/resolve/main/config.json`,
      reuseExistingServer: !process.env['CI'],
      timeout: 60_000,
    },
  ],
});
