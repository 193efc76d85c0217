// /v1 in the Service Worker: each request is relayed to an open app tab, which runs the engine
// and answers on a MessagePort; the answer streams back as the HTTP response. With no app tab
// open there is nothing to run the model, and the client is told how to fix that.
import { ApiError } from '../protocol/openai/api-error.ts';
import { API_REQUEST, API_STATUS, sameModel, type ApiRequestMessage, type ApiStatusMessage, type ApiStatusReply } from '../protocol/openai/relay.ts';
import { readCappedBody, refusal } from '../protocol/openai/request-gate.ts';
import { readReply } from './read-reply.ts';

/** How long the app tab may take before the first byte (a long prompt prefill on a slow GPU). */
const HEAD_TIMEOUT_MS = 10 * 60_000;
/** Once streaming, a token comes every few hundred ms even on WASM; a minute of silence is a stuck tab. */
const IDLE_TIMEOUT_MS = 60_000;
const ALIVE_CHECK_MS = 2_000;
const STATUS_TIMEOUT_MS = 2_000;

export async function relayApiRequest(sw: ServiceWorkerGlobalScope, request: Request): Promise<Response> {
  const refused = refusal(request, sw.location.origin);
  if (refused) return errorResponse(refused);
  const url = new URL(request.url);
  let body: string | undefined;
  try {
    body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readCappedBody(request.body);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
  const app = await pickAppTab(sw, requestedModel(body));
  if (!app) {
    return errorResponse(
      new ApiError(503, {
        type: 'server_error',
        code: 'app_not_open',
        message: `No Qwen Local tab is open to run the model. Open ${sw.location.origin}/ in this browser, load a model, and keep the tab open while you use the API.`,
      }),
    );
  }
  const channel = new MessageChannel();
  app.postMessage({ type: API_REQUEST, request: { method: request.method, path: url.pathname + url.search, body } } satisfies ApiRequestMessage, [channel.port2]);
  try {
    const reply = await readReply(channel.port1, {
      signal: request.signal,
      headTimeoutMs: HEAD_TIMEOUT_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      alive: async () => (await sw.clients.get(app.id)) !== undefined,
      aliveCheckMs: ALIVE_CHECK_MS,
    });
    return new Response(typeof reply.body === 'string' ? reply.body : toStream(reply.body), { status: reply.status, headers: reply.headers });
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
}

/** The tab that has the requested model loaded, else one with any model (it answers 404), else
 * any app tab that answers (it says how to load one). */
async function pickAppTab(sw: ServiceWorkerGlobalScope, model: string | null): Promise<Client | null> {
  const tabs = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const answers = await Promise.all(tabs.map((tab) => askStatus(tab)));
  const loaded = (i: number): string | null => answers[i]?.model ?? null;
  return (
    tabs.find((_, i) => model !== null && loaded(i) !== null && sameModel(loaded(i)!, model)) ??
    tabs.find((_, i) => loaded(i) !== null) ??
    tabs.find((_, i) => answers[i] !== null) ??
    null
  );
}

function requestedModel(body: string | undefined): string | null {
  try {
    const model: unknown = (JSON.parse(body ?? '') as { model?: unknown } | null)?.model;
    return typeof model === 'string' ? model : null;
  } catch {
    return null;
  }
}

function askStatus(tab: Client): Promise<ApiStatusReply | null> {
  const channel = new MessageChannel();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), STATUS_TIMEOUT_MS);
    channel.port1.onmessage = (event: MessageEvent<ApiStatusReply>) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    tab.postMessage({ type: API_STATUS } satisfies ApiStatusMessage, [channel.port2]);
  });
}

function toStream(pieces: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const iterator = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function errorResponse(error: ApiError): Response {
  return new Response(JSON.stringify(error.body), { status: error.status, headers: { 'content-type': 'application/json' } });
}
