// Streams one answer into the UI, the same way for chat, compare and the structured panel: the
// text so far after each piece, then the finished answer or the failure as a UiError. A stop is
// an answer (finishReason 'abort', the text so far kept), never an error.
import type { GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';
import { toUiError, type UiError } from '../utils/engine-errors.ts';

export type StreamedAnswer = { ok: true; result: GenerateResult } | { ok: false; error: UiError };

export async function streamAnswer(generator: TextGenerator, payload: GeneratePayload, { onText, signal }: { onText: (text: string) => void; signal: AbortSignal }): Promise<StreamedAnswer> {
  let text = '';
  try {
    const result = await generator.generate(payload, { onDelta: (delta) => onText((text += delta)), signal });
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: toUiError(e) };
  }
}
