// The page's side of the relay (workers/protocol/openai/relay.ts): one API request's answer sent
// back on its MessagePort as the head, the body's pieces and the end; a cancel from the asker (the
// client went away) aborts the generation.
import type { ApiCancel, ApiReply, ApiResponse } from '../../../workers/protocol/openai/relay.ts';

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
