// How many /v1 requests each origin may have in progress in this tab (one generates, the rest
// wait for the engine); past that an origin gets a 429 with Retry-After instead of a queue that
// grows without bound, and other origins are not held up behind it.
import { ApiError } from '../../../workers/protocol/openai/api-error.ts';
import type { ApiResponse } from '../../../workers/protocol/openai/relay.ts';
import { errorResponse } from './api-handler.ts';
import { answerOnPort } from './answer-on-port.ts';

export class Admission {
  readonly #inProgress = new Map<string, number>();

  constructor(
    readonly perOrigin: number,
    readonly retryAfterS: number,
  ) {}

  /** Answers on `port` with `respond`, or with a 429 when `origin` has too many requests in progress. */
  async serve(origin: string, port: MessagePort, respond: (signal: AbortSignal) => Promise<ApiResponse>): Promise<void> {
    const count = this.#inProgress.get(origin) ?? 0;
    if (count >= this.perOrigin) return answerOnPort(port, async () => this.#tooMany(origin));
    this.#inProgress.set(origin, count + 1);
    try {
      await answerOnPort(port, respond);
    } finally {
      const left = (this.#inProgress.get(origin) ?? 1) - 1;
      if (left === 0) this.#inProgress.delete(origin);
      else this.#inProgress.set(origin, left);
    }
  }

  #tooMany(origin: string): ApiResponse {
    const error = new ApiError(429, {
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: `${origin} already has ${this.perOrigin} requests in progress on this device's engine. Wait for one to finish, then retry.`,
    });
    const response = errorResponse(error);
    return { ...response, headers: { ...response.headers, 'retry-after': String(this.retryAfterS) } };
  }
}
