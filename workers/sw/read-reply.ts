// The Service Worker's side of the relay (workers/protocol/openai/relay.ts): the answering tab's
// reply on a MessagePort as a response whose body streams, with the limits that keep a stuck or
// closed tab from holding a client forever.
import { ApiError } from '../protocol/openai/api-error.ts';
import type { ApiCancel, ApiReply, ApiResponse } from '../protocol/openai/relay.ts';
import { DONE, sseEvent } from '../protocol/openai/sse.ts';

export interface ReplyLimits {
  /** Aborts when the client goes away; the tab is told to stop generating. */
  signal?: AbortSignal;
  /** Until the head: a long prompt's prefill on a slow GPU. */
  headTimeoutMs: number;
  /** Between pieces after the head: a tab that stops sending without an end is stuck or gone. */
  idleTimeoutMs: number;
  /** Whether the answering tab still exists, asked every `aliveCheckMs` (a closed or crashed tab never sends the end). */
  alive?: () => Promise<boolean>;
  aliveCheckMs?: number;
}

/** The answer arriving on `port`, as a response whose body streams. Leaving the body early, the
 * signal, a timeout or a lost tab cancel the generation; after the head an event stream ends with
 * an error event, a JSON body with an error. */
export function readReply(port: MessagePort, limits: ReplyLimits): Promise<ApiResponse> {
  const pieces: string[] = [];
  let ended = false;
  let failure: ApiError | null = null;
  let streaming = false;
  let wake: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const aliveTimer = limits.alive && setInterval(() => void limits.alive!().then((yes) => yes || fail(tabLost())), limits.aliveCheckMs ?? 2_000);
  const onAbort = (): void => fail(clientClosed('The client closed the request.'));
  limits.signal?.addEventListener('abort', onAbort);
  const finish = (): void => {
    clearTimeout(timer);
    clearInterval(aliveTimer);
    limits.signal?.removeEventListener('abort', onAbort);
    port.onmessage = null;
  };
  let rejectHead: ((error: ApiError) => void) | null = null;
  function fail(error: ApiError): void {
    if (ended || failure) return;
    failure = error;
    finish();
    port.postMessage({ type: 'cancel' } satisfies ApiCancel);
    rejectHead?.(error);
    notify();
  }
  const idle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(timeout(`sent nothing for ${limits.idleTimeoutMs} ms`)), limits.idleTimeoutMs);
  };

  return new Promise((resolve, reject) => {
    rejectHead = reject;
    if (limits.signal?.aborted) return onAbort();
    timer = setTimeout(() => fail(timeout(`did not answer within ${limits.headTimeoutMs} ms`)), limits.headTimeoutMs);
    port.onmessage = (event: MessageEvent<ApiReply>) => {
      const reply = event.data;
      if (reply.type === 'head') {
        rejectHead = null;
        streaming = (reply.headers['content-type'] ?? '').startsWith('text/event-stream');
        resolve({ status: reply.status, headers: reply.headers, body: body() });
      } else if (reply.type === 'chunk') {
        pieces.push(reply.data);
      } else {
        ended = true;
        finish();
      }
      if (!ended) idle();
      notify();
    };
  });

  async function* body(): AsyncGenerator<string> {
    try {
      for (;;) {
        while (pieces.length > 0) yield pieces.shift()!;
        if (ended) return;
        if (failure) {
          if (!streaming) throw failure;
          yield sseEvent(failure.body);
          yield sseEvent(DONE);
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      if (!ended && !failure) fail(clientClosed('The client stopped reading.'));
    }
  }
}

function clientClosed(message: string): ApiError {
  return new ApiError(499, { type: 'invalid_request_error', code: 'client_closed_request', message });
}

function timeout(what: string): ApiError {
  return new ApiError(504, { type: 'server_error', code: 'app_timeout', message: `The Qwen Local tab ${what}; the generation was stopped.` });
}

function tabLost(): ApiError {
  return new ApiError(502, { type: 'server_error', code: 'app_tab_lost', message: 'The Qwen Local tab that was answering was closed or crashed. Open the app again and resend the request.' });
}
