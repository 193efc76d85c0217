// This tab as the server of the /v1 API: answers the requests the Service Worker relays from
// same-origin pages and those an allowed host page posts into the embedded app, running them on
// the tab's engine. Requests from origins not on the allowlist get a 403 and never reach it.
import { ApiError } from '../../../workers/protocol/openai/api-error.ts';
import { API_READY, API_STATUS, isApiRequestMessage, type ApiStatusReply } from '../../../workers/protocol/openai/relay.ts';
import { backend } from '../state/backend.svelte.ts';
import { engine } from '../state/engine.svelte.ts';
import { Admission } from './admission.ts';
import { answerOnPort } from './answer-on-port.ts';
import { errorResponse, handleApiRequest, type ApiEngine } from './api-handler.ts';

// The API runs on whichever backend the tab uses: this device's engine or a remote server.
const apiEngine: ApiEngine = {
  async model() {
    if (backend.kind === 'local') await engine.pendingLoad;
    const id = backend.modelId;
    return id ? { id, contextTokens: backend.contextTokens, loadedAt: engine.loadedAt } : null;
  },
  generate: (payload, hooks) => backend.generate(payload, hooks),
};

// One generating and three waiting per origin; a client told to retry comes back after a token run or two.
const admission = new Admission(4, 5);

export function startApiHost(allowedOrigins: readonly string[]): void {
  const worker = navigator.serviceWorker as ServiceWorkerContainer | undefined;
  worker?.addEventListener('message', (event: MessageEvent<unknown>) => {
    const port = event.ports[0];
    const { data } = event;
    if (!port) return;
    if (isStatusMessage(data)) port.postMessage({ model: backend.modelId } satisfies ApiStatusReply);
    // The Service Worker relays only same-origin requests.
    else if (isApiRequestMessage(data)) void admission.serve(location.origin, port, (signal) => handleApiRequest(apiEngine, data.request, signal));
  });
  worker?.startMessages();

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const port = event.ports[0];
    if (!port || !isApiRequestMessage(event.data)) return;
    const { data } = event;
    if (!allowedOrigins.includes(event.origin)) {
      const refusal = new ApiError(403, {
        type: 'permission_error',
        code: 'origin_not_allowed',
        message: `This Qwen Local app does not take requests from ${event.origin}. Its deployer lists the host pages that may use it (VITE_EMBED_ORIGINS).`,
      });
      void answerOnPort(port, async () => errorResponse(refusal));
      return;
    }
    void admission.serve(event.origin, port, (signal) => handleApiRequest(apiEngine, data.request, signal));
  });
  // Tell an embedding page that requests can come now (the message carries nothing private).
  if (window.parent !== window) window.parent.postMessage({ type: API_READY }, '*');
}

function isStatusMessage(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === API_STATUS;
}
