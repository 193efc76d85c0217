// Who may call /v1 over HTTP: same-origin scripts sending JSON. Another site can still make the
// browser navigate here (a form post) or send a `no-cors` text body; those are refused before
// anything reaches an app tab, and bodies are capped so a request cannot exhaust memory.
import { ApiError } from './api-error.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

/** What the gate reads of an incoming request (a Fetch `Request` has all of it). */
export interface GatedRequest {
  method: string;
  /** The Fetch request mode: `navigate` for page loads and form posts. */
  mode: string;
  headers: Headers;
}

/** The refusal for a request that must not reach the engine, or null when it may. */
export function refusal(request: GatedRequest, ownOrigin: string): ApiError | null {
  const { headers } = request;
  if (request.mode === 'navigate' || headers.get('sec-fetch-mode') === 'navigate') {
    return forbidden('navigation_refused', `The API does not answer page navigations or form posts. Call it with fetch() from a page of ${ownOrigin}, sending Content-Type: application/json.`);
  }
  const site = headers.get('sec-fetch-site');
  const origin = headers.get('origin');
  if ((site !== null && site !== 'same-origin' && site !== 'none') || (origin !== null && origin !== ownOrigin)) {
    return forbidden('cross_origin_refused', `The API only answers pages of ${ownOrigin}${origin ? `, not ${origin}` : ''}. Other sites can embed the app and use its postMessage bridge if its deployer allows them.`);
  }
  if (request.method === 'GET' || request.method === 'HEAD') return null;
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return new ApiError(415, { type: 'invalid_request_error', code: 'unsupported_media_type', message: `Send the request body as JSON with Content-Type: application/json (got ${type ? `"${type}"` : 'none'}).` });
  }
  const length = Number(headers.get('content-length') ?? 0);
  return length > MAX_BODY_BYTES ? bodyTooLarge() : null;
}

export function bodyTooLarge(): ApiError {
  return new ApiError(413, { type: 'invalid_request_error', code: 'request_too_large', message: `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB), the most this API takes.` });
}

/** The body as text, read no further than the cap (a body without Content-Length may be anything). */
export async function readCappedBody(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_BODY_BYTES) {
      await reader.cancel();
      throw bodyTooLarge();
    }
    chunks.push(value);
  }
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode();
}

function forbidden(code: string, message: string): ApiError {
  return new ApiError(403, { type: 'permission_error', code, message });
}
