// The app's Service Worker: precaches the app shell and the onnxruntime/tokenizer code so the
// app starts with the network off, serves every navigation from that shell, waits for the
// user's go-ahead before a new version takes over, and serves /v1 (routes.ts).
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { relayApiRequest } from './routes.ts';

// Workbox writes the precache list in place of the literal `self.__WB_MANIFEST` at build time.
declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };
const sw = self;
const precache = self.__WB_MANIFEST;

// /v1 first: the API must never fall through to the shell or the network.
for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const) {
  registerRoute(({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/v1/'), ({ request }) => relayApiRequest(sw, request), method);
}

precacheAndRoute(precache);
cleanupOutdatedCaches();
const shell = precache.some((entry) => (typeof entry === 'string' ? entry : entry.url) === 'index.html');
if (shell) registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/v1\//, /^\/models\//] }));

// The page's "reload to update" button (workbox-window sends this message).
sw.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void sw.skipWaiting();
});
// The first install controls the open tabs at once, so /v1 works without a reload.
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));
