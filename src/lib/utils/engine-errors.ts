// Any failure as an error code the UI has a translated message for, plus the engine's own words
// as the detail. The code is the thrower's (the engine worker classifies onnxruntime's errors).
import { CodedError } from '../../../workers/protocol/errors.ts';
import type { Message } from '../state/conversation.ts';

export type UiError = NonNullable<Message['error']>;

export function toUiError(error: unknown): UiError {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof CodedError) return { code: error.code, detail };
  return { code: 'internal', detail };
}

/** Errors after which the loaded model cannot be trusted: load it again (or a smaller one). */
export function needsReload(error: UiError): boolean {
  return ['out_of_memory', 'device_lost', 'engine_crashed', 'model_not_loaded'].includes(error.code);
}
