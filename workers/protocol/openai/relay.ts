// An API request carried to the page that runs the engine, over a MessagePort of its own: the
// Service Worker and iframe hosts send { type, request } with the port; the page answers on the
// port with the head, the body's pieces and the end; the asker may cancel (the client went away).
import type { ApiRequest, ApiResponse } from './api-server.ts';

export const API_REQUEST = 'qwen-local-api';
/** The Service Worker asks each open app tab which model it has loaded, to pick which one answers. */
export const API_STATUS = 'qwen-local-api-status';
/** An embedded app tells its parent it listens for requests. */
export const API_READY = 'qwen-local-api-ready';

export interface ApiRequestMessage {
  type: typeof API_REQUEST;
  request: ApiRequest;
}

export interface ApiStatusMessage {
  type: typeof API_STATUS;
}

export interface ApiStatusReply {
  /** The loaded model's id, or null. */
  model: string | null;
}

export type ApiReply = { type: 'head'; status: number; headers: Record<string, string> } | { type: 'chunk'; data: string } | { type: 'end' };
export interface ApiCancel {
  type: 'cancel';
}

export function isApiRequestMessage(data: unknown): data is ApiRequestMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { type, request } = data as Partial<ApiRequestMessage>;
  return type === API_REQUEST && typeof request?.method === 'string' && typeof request.path === 'string' && (request.body === undefined || typeof request.body === 'string');
}

/** Answers one request on `port`; a cancel from the other side aborts the generation. */
export async function answerOnPort(port: MessagePort, respond: (signal: AbortSignal) => Promise<ApiResponse>): Promise<void> {
  const controller = new AbortController();
  port.onmessage = (event: MessageEvent<ApiCancel>) => {
    if (event.data.type === 'cancel') controller.abort();
  };
  const post = (reply: ApiReply): void => port.postMessage(reply);
  try {
    const response = await respond(controller.signal);
    post({ type: 'head', status: response.status, headers: response.headers });
    if (typeof response.body === 'string') {
      post({ type: 'chunk', data: response.body });
    } else {
      for await (const piece of response.body) {
        if (controller.signal.aborted) break;
        post({ type: 'chunk', data: piece });
      }
    }
  } finally {
    post({ type: 'end' });
    port.onmessage = null;
  }
}

/** The answer arriving on `port`, as a response whose body streams; leaving the body early cancels. */
export function readReply(port: MessagePort, timeoutMs: number): Promise<ApiResponse> {
  const pieces: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not answer within ${timeoutMs} ms`)), timeoutMs);
    port.onmessage = (event: MessageEvent<ApiReply>) => {
      const reply = event.data;
      if (reply.type === 'head') {
        clearTimeout(timer);
        resolve({ status: reply.status, headers: reply.headers, body: body() });
        return;
      }
      if (reply.type === 'chunk') pieces.push(reply.data);
      else ended = true;
      const w = wake;
      wake = null;
      w?.();
    };
  });

  async function* body(): AsyncGenerator<string> {
    try {
      for (;;) {
        while (pieces.length > 0) yield pieces.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!ended) port.postMessage({ type: 'cancel' } satisfies ApiCancel);
      port.onmessage = null;
    }
  }
}
