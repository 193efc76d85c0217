// An API request carried to the page that runs the engine, over a MessagePort of its own: the
// Service Worker and iframe hosts send { type, request } with the port; the page answers on the
// port with the head, the body's pieces and the end; the asker may cancel (the client went away).

export interface ApiRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON text, or server-sent events as they are produced. */
  body: string | AsyncIterable<string>;
}

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

/** Model ids match exactly, ignoring case, or by the name after the organisation. */
export function sameModel(loaded: string, requested: string): boolean {
  const a = loaded.toLowerCase();
  const b = requested.toLowerCase();
  return a === b || a.split('/').pop() === b;
}
