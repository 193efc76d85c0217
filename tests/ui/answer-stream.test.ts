// streamAnswer against a scripted TextGenerator: the text grows piece by piece, a stop keeps the
// text so far as an answer, and a failure comes back as a UiError with the engine's code.
import { describe, expect, it } from 'vitest';
import { streamAnswer } from '../../src/lib/state/answer-stream.ts';
import { EngineError } from '../../workers/protocol/errors.ts';
import type { GenerationStats } from '../../workers/protocol/messages.ts';
import type { GenerateHooks, GeneratePayload, GenerateResult, TextGenerator } from '../../workers/protocol/text-generator.ts';

const payload: GeneratePayload = { input: { mode: 'completion', prompt: 'Hi' } };

function stats(finishReason: GenerationStats['finishReason']): GenerationStats {
  return { promptTokens: 1, reusedTokens: 0, prefillTokens: 1, prefillTokensPerSecond: 1, decodeTokens: 3, decodeTokensPerSecond: 1, timeToFirstTokenMs: 1, finishReason };
}

/** Sends `pieces` one at a time, stopping (as the contract says) once the signal fires; or fails after them with `fail`. */
function fakeGenerator(pieces: string[], options: { fail?: Error; abortAfter?: AbortController } = {}): TextGenerator {
  return {
    async generate(_payload: GeneratePayload, hooks: GenerateHooks = {}): Promise<GenerateResult> {
      let text = '';
      for (const piece of pieces) {
        if (hooks.signal?.aborted) return { text, tokenIds: [], stats: stats('abort') };
        text += piece;
        hooks.onDelta?.(piece);
        options.abortAfter?.abort();
      }
      if (options.fail) throw options.fail;
      return { text, tokenIds: [1, 2, 3], stats: stats('stop') };
    },
  };
}

async function collect(generator: TextGenerator, signal = new AbortController().signal): Promise<{ texts: string[]; answered: Awaited<ReturnType<typeof streamAnswer>> }> {
  const texts: string[] = [];
  const answered = await streamAnswer(generator, payload, { onText: (text) => texts.push(text), signal });
  return { texts, answered };
}

describe('streamAnswer', () => {
  it('passes the text so far after each piece, then the finished answer', async () => {
    const { texts, answered } = await collect(fakeGenerator(['Hel', 'lo', '!']));
    expect(texts).toEqual(['Hel', 'Hello', 'Hello!']);
    expect(answered).toMatchObject({ ok: true, result: { text: 'Hello!', stats: { finishReason: 'stop' } } });
  });

  it('a stop is an answer that keeps the text so far', async () => {
    const controller = new AbortController();
    const { texts, answered } = await collect(fakeGenerator(['Hel', 'lo', '!'], { abortAfter: controller }), controller.signal);
    expect(texts).toEqual(['Hel']);
    expect(answered).toMatchObject({ ok: true, result: { text: 'Hel', stats: { finishReason: 'abort' } } });
  });

  it('a failure is a UiError with the engine error code, after the text that came', async () => {
    const { texts, answered } = await collect(fakeGenerator(['Hel'], { fail: new EngineError('out_of_memory', 'The GPU ran out of memory.') }));
    expect(texts).toEqual(['Hel']);
    expect(answered).toEqual({ ok: false, error: { code: 'out_of_memory', detail: 'The GPU ran out of memory.' } });
  });

  it('an error that is not an EngineError is internal', async () => {
    const { answered } = await collect(fakeGenerator([], { fail: new TypeError('x is undefined') }));
    expect(answered).toEqual({ ok: false, error: { code: 'internal', detail: 'x is undefined' } });
  });
});
