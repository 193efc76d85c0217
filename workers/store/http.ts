// One HTTP request for a model file, with failures sorted into what a retry can fix (network
// errors, 5xx, 429, a stream cut short) and what it cannot (404, other 4xx).
import { EngineError } from '../protocol/errors.ts';

/** A failure worth retrying: the connection dropped, or the host is briefly unhappy. */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientError';
  }
}

export interface FileRequest {
  url: string;
  file: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The response, when it is a success, 206 or 416; throws otherwise. */
export async function request({ url, file, method = 'GET', headers = {}, signal }: FileRequest): Promise<Response> {
  let response: Response;
  try {
    // no-store: resumed ranges must come from the host, never a half-cached copy.
    response = await fetch(url, { method, headers, signal, cache: 'no-store' });
  } catch (error) {
    if (signal?.aborted) throw abortError();
    throw new TransientError(`could not reach ${new URL(url).host} for ${file}: ${String(error)}`);
  }
  if (response.ok || response.status === 416) return response;
  await response.body?.cancel();
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new TransientError(`${new URL(url).host} answered ${response.status} for ${file}`);
  }
  if (response.status === 404) {
    throw new EngineError('model_files_invalid', `The model host has no ${file} for this model (404): check the repository id, the dtype and the model source.`, { url, status: 404 });
  }
  if (response.status === 401 || response.status === 403) {
    throw new EngineError('model_fetch_failed', `The model host refused ${file} (${response.status}): the repository may be gated or private, or the mirror blocks it. Try another model source.`, { url, status: response.status });
  }
  throw new EngineError('model_fetch_failed', `The model host answered ${response.status} for ${file}.`, { url, status: response.status });
}

/** Refuses an HTML page (an error, sign-in or SPA fallback page) served in place of a model file. */
export function refuseHtml(response: Response, file: string): void {
  if (!/^text\/html\b/i.test(response.headers.get('Content-Type') ?? '')) return;
  throw new EngineError('model_files_invalid', `${new URL(response.url || 'http://unknown').host || 'The model host'} served an HTML page as ${file}, not the file: the repository or file is missing there, or the host needs a sign-in. Pick another model source.`, { file, url: response.url });
}

/** The start and total of a 206's Content-Range ("bytes 100-199/1000"), or null. */
export function contentRange(response: Response): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('Content-Range') ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}

/** The full size a response reports: the Content-Range total, else Content-Length (identity encoding only). */
export function reportedSize(response: Response): number | null {
  const range = contentRange(response);
  if (range) return range.total;
  // A 206 whose Content-Range the page cannot read (not exposed to CORS) tells no full size.
  if (response.status === 206) return null;
  const encoding = response.headers.get('Content-Encoding');
  if (encoding && encoding !== 'identity') return null;
  const length = response.headers.get('Content-Length');
  return length !== null && /^\d+$/.test(length) ? Number(length) : null;
}

export function abortError(): EngineError {
  return new EngineError('aborted', 'The download was stopped. It resumes where it stopped the next time this model is loaded.');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(abortError());
    }, { once: true });
  });
}
