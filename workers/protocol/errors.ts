// Errors cross every thread boundary as { code, message, detail }, never as flattened strings,
// so the UI and the OpenAI layer can tell them apart and say what to do.

/** What the engine worker can fail with: every code the UI and the /v1 handler must handle. */
export const ENGINE_ERROR_CODES = [
  'model_not_loaded',
  'model_files_invalid',
  'model_fetch_failed',
  'model_corrupt',
  'storage_quota',
  'tokenizer_mismatch',
  'webgpu_unavailable',
  'out_of_memory',
  // The GPU device was lost (driver reset, GPU removed, GPUDevice.destroy()): the loaded model is gone.
  'device_lost',
  // The engine worker or a stage worker died: its requests are failed, the next starts a fresh one.
  'engine_crashed',
  'context_length_exceeded',
  'invalid_request',
  'aborted',
  'internal',
] as const;

/** What a remote OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama) as the backend can fail with. */
export const REMOTE_ERROR_CODES = [
  'remote_unreachable',
  'remote_cors',
  'remote_unauthorized',
  'remote_model_not_found',
  'remote_server_error',
  'remote_timeout',
  'remote_stream_dropped',
  'remote_bad_response',
  'remote_no_logprobs',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];
export type RemoteErrorCode = (typeof REMOTE_ERROR_CODES)[number];
/** Any failure a TextGenerator reports. */
export type ErrorCode = EngineErrorCode | RemoteErrorCode;

export const ERROR_CODES: readonly ErrorCode[] = [...ENGINE_ERROR_CODES, ...REMOTE_ERROR_CODES];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export interface EngineErrorShape {
  code: EngineErrorCode;
  message: string;
  detail?: Record<string, unknown>;
}

/** A failure with a code the UI has words for: EngineError or RemoteError. */
export abstract class CodedError<C extends ErrorCode> extends Error {
  readonly code: C;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: C, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

export class EngineError extends CodedError<EngineErrorCode> {
  override readonly name = 'EngineError';

  toShape(): EngineErrorShape {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }

  static from(shape: EngineErrorShape): EngineError {
    return new EngineError(shape.code, shape.message, shape.detail);
  }
}

/** A remote server's failure, as the remote backend reports it (never crosses the engine worker). */
export class RemoteError extends CodedError<RemoteErrorCode> {
  override readonly name = 'RemoteError';
}

/** Any thrown value as a shape; onnxruntime's allocation failures become out_of_memory, and a
 * lost GPU device that surfaces as a plain error (before GPUDevice.lost settles) device_lost. */
export function toErrorShape(error: unknown): EngineErrorShape {
  if (error instanceof EngineError) return error.toShape();
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|failed to allocate|allocation failed|bad_alloc|OrtRun.*memory/i.test(message)) {
    return {
      code: 'out_of_memory',
      message: 'The model ran out of memory. Choose a smaller model or a shorter context, or close other GPU-heavy tabs.',
      detail: { cause: message },
    };
  }
  if (/device (was |is )?lost|GPUDevice.*lost|lost the device/i.test(message)) {
    return { code: 'device_lost', message: 'The GPU stopped responding (device lost). Load the model again; a new GPU device is set up.', detail: { cause: message } };
  }
  return { code: 'internal', message, detail: error instanceof Error && error.stack ? { stack: error.stack } : undefined };
}
