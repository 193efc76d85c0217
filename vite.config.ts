// Builds the SPA and its workers. Both servers send COOP/COEP so the page is cross-origin
// isolated: onnxruntime-web needs SharedArrayBuffer for its multi-threaded WASM engine.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // `vite preview` reuses server.headers.
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  worker: { format: 'es' },
  build: { target: 'esnext' },
});
