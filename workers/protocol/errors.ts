// Errors cross every thread boundary as { code, message, detail }, never as flattened strings,
// so the UI and the OpenAI layer can tell them apart and say what to do.

export type EngineErrorCode =
  | 'model_not_loaded'
  | 'model_files_invalid'
  | 'model_fetch_failed'
  | 'model_corrupt'
  | 'storage_quota'
  | 'tokenizer_mismatch'
  | 'webgpu_unavailable'
  | 'out_of_memory'
  // The GPU device was lost (driver reset, GPU removed, GPUDevice.destroy()): the loaded model is gone.
  | 'device_lost'
  // The engine worker or a stage worker died: its requests are failed, the next starts a fresh one.
  | 'engine_crashed'
  | 'context_length_exceeded'
  | 'invalid_request'
  | 'aborted'
  | 'internal'
  // A remote OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama) as the backend:
  | 'remote_unreachable'
  | 'remote_cors'
  | 'remote_unauthorized'
  | 'remote_model_not_found'
  | 'remote_server_error'
  | 'remote_timeout'
  | 'remote_stream_dropped'
  | 'remote_bad_response'
  | 'remote_no_logprobs';

export interface EngineErrorShape {
  code: EngineErrorCode;
  message: string;
  detail?: Record<string, unknown>;
}

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: EngineErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.detail = detail;
  }

  toShape(): EngineErrorShape {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }

  static from(shape: EngineErrorShape): EngineError {
    return new EngineError(shape.code, shape.message, shape.detail);
  }
}

/** Any thrown value as a shape; onnxruntime's allocation failures become out_of_memory. */
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
  return { code: 'internal', message, detail: error instanceof Error && error.stack ? { stack: error.stack } : undefined };
}
