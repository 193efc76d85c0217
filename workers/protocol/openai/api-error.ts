// Errors of the /v1 API as OpenAI shapes them: an HTTP status and { error: { message, type,
// param, code } }. Engine errors (EngineErrorShape) map to the status a client expects.
import type { EngineErrorShape } from '../errors.ts';
import type { ErrorBody, ErrorObject } from './wire.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, error: Omit<ErrorObject, 'param' | 'code'> & Partial<Pick<ErrorObject, 'param' | 'code'>>) {
    super(error.message);
    this.name = 'ApiError';
    this.status = status;
    this.body = { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null } };
  }
}

/** A 400 about one request field. */
export function invalidParam(param: string | null, code: string | null, message: string): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', param, code, message });
}

export function modelNotFound(requested: string, loaded: string | null): ApiError {
  const hint = loaded ? ` The loaded model is \`${loaded}\`: use that id, or load \`${requested}\` in Qwen Local (Models).` : ' Load it in Qwen Local (Models) first.';
  return new ApiError(404, { type: 'invalid_request_error', param: 'model', code: 'model_not_found', message: `The model \`${requested}\` is not loaded in this browser.${hint}` });
}

export function noModelLoaded(): ApiError {
  return new ApiError(503, {
    type: 'server_error',
    code: 'model_not_loaded',
    message: 'No model is loaded. Open Qwen Local in a tab of this browser, choose a model under Models and press Load, then send the request again.',
  });
}

/** What an engine failure means to an API client. */
export function fromEngineError(error: EngineErrorShape): ApiError {
  switch (error.code) {
    case 'context_length_exceeded': {
      const context = error.detail?.['contextTokens'];
      const prompt = error.detail?.['promptTokens'];
      const message =
        typeof context === 'number' && typeof prompt === 'number'
          ? `This model's maximum context length is ${context} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`
          : error.message;
      return new ApiError(400, { type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded', message });
    }
    case 'invalid_request':
      return invalidParam(typeof error.detail?.['param'] === 'string' ? error.detail['param'] : null, 'invalid_value', error.message);
    case 'model_not_loaded':
      return noModelLoaded();
    // The tab can serve again once its model is loaded anew: unavailable, not a server fault.
    case 'device_lost':
    case 'engine_crashed':
      return new ApiError(503, { type: 'server_error', code: error.code, message: error.message });
    case 'out_of_memory':
      return new ApiError(507, { type: 'server_error', code: 'out_of_memory', message: error.message });
    default:
      return new ApiError(500, { type: 'server_error', code: error.code, message: error.message });
  }
}
