// Builds the SPA, its workers and its Service Worker. Both servers send COOP/COEP so the page
// is cross-origin isolated (onnxruntime-web needs SharedArrayBuffer for its threaded WASM
// engine) and a frame-ancestors policy naming who may embed the app in an iframe. COEP is
// `credentialless`, not `require-corp`: isolation all the same, and a no-cors probe can then
// tell a remote server that refuses this origin (CORS) from one that is not there.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, loadEnv, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { contentSecurityPolicy, parseSourceList } from './src/lib/config/csp.ts';

/** Adobe's predefined CMaps that PDFs in Chinese, Japanese and Korean name, served at pdfjs/cmaps/ (pdf-text.ts) and precached. */
function pdfCmaps(): Plugin {
  const dir = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps');
  return {
    name: 'qwen-local-pdf-cmaps',
    generateBundle() {
      for (const name of readdirSync(dir)) this.emitFile({ type: 'asset', fileName: `pdfjs/cmaps/${name}`, source: readFileSync(join(dir, name)) });
    },
    configureServer(server) {
      server.middlewares.use('/pdfjs/cmaps/', (req, res, next) => {
        const path = join(dir, basename(req.url ?? ''));
        if (!existsSync(path)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(path));
      });
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, process.cwd(), ''), ...process.env };
  // Host pages that may call the app through postMessage may frame it; QWEN_FRAME_ANCESTORS
  // overrides the list (a CSP source list) when framing and calling should differ.
  const frameAncestors = env['QWEN_FRAME_ANCESTORS'] ?? ["'self'", ...(env['VITE_EMBED_ORIGINS'] ?? '').split(/[\s,]+/).filter(Boolean)].join(' ');
  // One policy for the build's <meta> tag (static hosts) and the servers' header, which alone
  // reaches the workers and can carry frame-ancestors. VITE_CONNECT_SRC lists the deployer's
  // extra hosts (a custom hub, a remote server); the app reads the same list at run time.
  const policy = contentSecurityPolicy(parseSourceList(env['VITE_CONNECT_SRC']));
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'credentialless',
    'Content-Security-Policy': `${policy}; frame-ancestors ${frameAncestors}`,
  };
  return {
    plugins: [
      svelte(),
      pdfCmaps(),
      {
        name: 'qwen-local-csp-meta',
        apply: 'build',
        transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
      },
      VitePWA({
        strategies: 'injectManifest',
        srcDir: 'workers/sw',
        filename: 'sw.ts',
        registerType: 'prompt',
        injectRegister: false,
        // public/manifest.webmanifest is the manifest; the plugin only builds the worker.
        manifest: false,
        injectManifest: {
          globPatterns: ['**/*.{js,mjs,css,html,wasm,svg,png,woff2,webmanifest,bcmap}'],
          globIgnores: ['models/**'],
          // onnxruntime-web's .wasm is ~26 MB and must be there offline.
          maximumFileSizeToCacheInBytes: 64 * 2 ** 20,
        },
        devOptions: { enabled: true, type: 'module' },
      }),
    ],
    // `vite preview` reuses server.headers.
    server: { headers },
    worker: { format: 'es' },
    build: { target: 'esnext' },
  };
});
