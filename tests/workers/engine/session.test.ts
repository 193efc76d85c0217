// ModelSession.generate with the forged model's tokenizer and a stage that knows one answer: the
// logits after the prompt put all weight on the answer's next token, then on end-of-sequence.
// Greedy text streams whole, stop strings and max tokens end it, a new prompt reuses the cached
// prefix (cropping the rest), and a prompt longer than the context is refused. With tools, the
// template shows them, a call the model means comes out as it is, one naming no tool is steered
// to a tool, and a parameters schema the grammar refuses is the request's error.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphContract } from '../../../workers/engine/graph-contract.ts';
import { oneLayerContract } from './one-layer-contract.ts';
import type { Stage } from '../../../workers/engine/pipeline.ts';
import type { ModelSession as ModelSessionClass } from '../../../workers/engine/session.ts';
import type { PromptEncoder as PromptEncoderClass } from '../../../workers/engine/prompt-encoder.ts';
import type { GenerateRequest } from '../../../workers/protocol/messages.ts';
import type { TokenLogprob } from '../../../workers/protocol/logprobs.ts';
import { modelFiles, ort, Pipeline, VOCAB } from './engine-harness.ts';

const files = modelFiles();
const EOS = (files.generationConfig['eos_token_id'] as number[])[0]!;
const CONTEXT = 64;
const contract: GraphContract = oneLayerContract(VOCAB, { hasLogitsRows: false, contextTokens: CONTEXT });

/** Predicts `answer` after `promptLength` cached tokens, from the positions its cache holds. */
class AnswerStage implements Stage {
  readonly info = { inputNames: [], outputNames: [], inputMetadata: [] };
  readonly kv = { liveTensors: 0, tensorsMade: 0, inPlace: false };
  answer: number[] = [];
  promptLength = 0;
  #held = 0;

  async run(_inputs: unknown, fed: readonly number[]): Promise<Record<string, import('onnxruntime-web').Tensor>> {
    const data = new Float32Array(fed.length * VOCAB);
    for (let i = 0; i < fed.length; i++) {
      // Row i predicts the token at position held + i + 1.
      const next = this.#held + i + 1 - this.promptLength;
      data[i * VOCAB + (next >= 0 ? (this.answer[next] ?? EOS) : EOS)] = 10;
    }
    this.#held += fed.length;
    return { logits: new ort.Tensor('float32', data, [1, fed.length, VOCAB]) };
  }

  crop(length: number): void {
    this.#held = length;
  }

  clear(): void {
    this.#held = 0;
  }

  async release(): Promise<void> {}
}

let encoder: PromptEncoderClass;
let ModelSession: typeof ModelSessionClass;
let Decoder: typeof import('../../../workers/engine/decoder.ts').Decoder;
let vocabulary: import('../../../workers/grammar/index.ts').TokenVocabulary;

beforeAll(async () => {
  const { PromptEncoder, createTokenizer } = await import('../../../workers/engine/prompt-encoder.ts');
  ({ ModelSession } = await import('../../../workers/engine/session.ts'));
  ({ Decoder } = await import('../../../workers/engine/decoder.ts'));
  const { vocabularyFromTokenizerJson } = await import('../../../workers/grammar/index.ts');
  encoder = new PromptEncoder(createTokenizer(files.tokenizerJson, files.tokenizerConfig));
  vocabulary = vocabularyFromTokenizerJson(files.tokenizerJson, VOCAB);
});

function session(on = contract): { model: ModelSessionClass; stage: AnswerStage; pipeline: InstanceType<typeof Pipeline> } {
  const stage = new AnswerStage();
  const pipeline = new Pipeline([stage]);
  const model = new ModelSession({ decoder: new Decoder(on), cache: pipeline, encoder, contract: on, generationConfig: files.generationConfig, vocabulary });
  return { model, stage, pipeline };
}

const PROMPT = 'The capital of France is';
const ANSWER = ' Paris, a city on the Seine.';

/** Runs `prompt` on a stage primed to answer `answer`; returns the result and the deltas streamed. */
async function generate(s: ReturnType<typeof session>, prompt: string, answer: string, request: Partial<GenerateRequest> = {}) {
  s.stage.promptLength = encoder.encode(prompt).length;
  s.stage.answer = encoder.encode(answer);
  const deltas: string[] = [];
  const streamedLogprobs: TokenLogprob[][] = [];
  const result = await s.model.generate(
    { kind: 'generate', id: 'g', input: { mode: 'completion', prompt }, sampling: { temperature: 0 }, ...request },
    {
      onDelta: (delta, logprobs) => {
        deltas.push(delta);
        if (logprobs) streamedLogprobs.push(logprobs);
      },
      isAborted: () => false,
    },
  );
  return { ...result, deltas, streamedLogprobs };
}

describe('ModelSession.generate', () => {
  it('greedy: the answer token by token, streamed in deltas that make up the final text, then end-of-sequence', async () => {
    const result = await generate(session(), PROMPT, ANSWER);
    expect(result.tokenIds).toEqual([...encoder.encode(ANSWER), EOS]);
    expect(result.text).toBe(ANSWER);
    expect(result.deltas.join('')).toBe(result.text);
    expect(result.deltas.length).toBeGreaterThan(1);
    expect(result.stats).toMatchObject({ finishReason: 'stop', promptTokens: encoder.encode(PROMPT).length, reusedTokens: 0 });
  });

  it('a stop string ends the answer before it, and never streams it', async () => {
    const result = await generate(session(), PROMPT, ANSWER, { stop: [' city'] });
    expect(result.text).toBe(' Paris, a');
    expect(result.deltas.join('')).toBe(' Paris, a');
    expect(result.stats.finishReason).toBe('stop');
  });

  it('maxTokens ends the answer with finishReason length', async () => {
    const result = await generate(session(), PROMPT, ANSWER, { maxTokens: 3 });
    const ids = encoder.encode(ANSWER).slice(0, 3);
    expect(result.tokenIds).toEqual(ids);
    expect(result.text).toBe(encoder.decode(ids));
    expect(result.stats.finishReason).toBe('length');
  });

  it('a longer prompt reuses the cached tokens and feeds only the rest', async () => {
    const s = session();
    await generate(s, PROMPT, ANSWER);
    const followUp = `${PROMPT}${ANSWER} And the capital of Spain is`;
    const result = await generate(s, followUp, ' Madrid.');
    // The first turn's prompt and answer are cached (its end-of-sequence token was never fed).
    const cached = encoder.encode(PROMPT).length + encoder.encode(ANSWER).length;
    const promptTokens = encoder.encode(followUp);
    expect(result.stats).toMatchObject({ reusedTokens: cached, prefillTokens: promptTokens.length - cached, promptTokens: promptTokens.length });
    expect(result.text).toBe(' Madrid.');
    expect(s.pipeline.tokens).toEqual([...promptTokens, ...encoder.encode(' Madrid.')]);
  });

  it('a prompt that leaves the cached answer crops the cache to the common prefix', async () => {
    const s = session();
    await generate(s, PROMPT, ANSWER);
    const other = `${PROMPT} not known to me`;
    const result = await generate(s, other, ' Madrid.');
    expect(result.stats.reusedTokens).toBe(encoder.encode(PROMPT).length);
    expect(result.text).toBe(' Madrid.');
    expect(s.pipeline.tokens).toEqual([...encoder.encode(other), ...encoder.encode(' Madrid.')]);
  });

  it('refuses a prompt that leaves no room in the context: context_length_exceeded', async () => {
    const prompt = 'word '.repeat(CONTEXT);
    await expect(generate(session(), prompt, ANSWER)).rejects.toMatchObject({
      code: 'context_length_exceeded',
      detail: { promptTokens: encoder.encode(prompt).length, contextTokens: CONTEXT },
    });
  });
});

describe('ModelSession.generate with logprobs', () => {
  // The stage's row: 10 at the answer's token, 0 at every other entry.
  const chosen = -Math.log(1 + (VOCAB - 1) * Math.exp(-10));
  const other = chosen - 10;

  it('none unless asked: no field on the result, no logprobs with the deltas', async () => {
    const result = await generate(session(), PROMPT, ANSWER);
    expect('logprobs' in result).toBe(false);
    expect(result.streamedLogprobs).toEqual([]);
  });

  it('every token but the closing end-of-sequence, from the raw logits: penalties change the row the sampler reads, never the values', async () => {
    const result = await generate(session(), PROMPT, ANSWER, { logprobs: 2, sampling: { temperature: 0, repetition_penalty: 1.5, presence_penalty: 2 } });
    const ids = encoder.encode(ANSWER);
    expect(result.tokenIds).toEqual([...ids, EOS]);
    expect(result.logprobs!.map((e) => e.token)).toEqual(ids.map((id) => encoder.tokenText(id)));
    for (const [i, e] of result.logprobs!.entries()) {
      expect(e.logprob).toBeCloseTo(chosen, 6);
      // The best is the token itself; next the lowest id among the equal rest.
      expect(e.top.map((c) => c.token)).toEqual([encoder.tokenText(ids[i]!), encoder.tokenText(ids[i] === 0 ? 1 : 0)]);
      expect(e.top[1]!.logprob).toBeCloseTo(other, 6);
    }
    // Streamed with the deltas that carry their text, in order.
    expect(result.streamedLogprobs.flat()).toEqual(result.logprobs);
    expect(result.streamedLogprobs).toHaveLength(result.deltas.length);
  });

  it('a grammar mask leaves them raw: the masked tokens keep their model logprobs', async () => {
    const answer = '{"a":1}';
    const result = await generate(session(), PROMPT, answer, { logprobs: 2, responseFormat: { type: 'json_object' } });
    expect(result.text).toBe(answer);
    // After the mask the answer's token would be near-certain (logprob near 0), '!' impossible.
    expect(chosen).toBeLessThan(-1);
    for (const e of result.logprobs!) {
      expect(e.logprob).toBeCloseTo(chosen, 6);
      expect(e.top[1]).toMatchObject({ token: '!' });
      expect(e.top[1]!.logprob).toBeCloseTo(other, 6);
    }
  });

  it('bytes spell the answer exactly, a token with half a character showing U+FFFD', async () => {
    const answer = ' 𝄞 clef';
    const result = await generate(session(), PROMPT, answer, { logprobs: 0 });
    expect(result.logprobs!.every((e) => e.top.length === 0)).toBe(true);
    expect(Buffer.from(result.logprobs!.flatMap((e) => e.bytes)).toString('utf8')).toBe(answer);
    const halves = result.logprobs!.filter((e) => e.token.includes('\uFFFD'));
    expect(halves.length).toBeGreaterThan(0);
    for (const e of halves) expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(e.bytes))).toThrow();
  });

  it('a stop string\'s tokens have no text but keep their logprobs, sent last with an empty delta', async () => {
    const result = await generate(session(), PROMPT, ANSWER, { stop: [' city'], logprobs: 1 });
    expect(result.text).toBe(' Paris, a');
    const ids = encoder.encode(ANSWER);
    expect(result.logprobs!.map((e) => e.token).join('')).toBe(' Paris, a city');
    expect(result.logprobs).toHaveLength(ids.indexOf(encoder.encode(' city')[0]!) + 1);
    expect(result.deltas.at(-1)).toBe('');
    expect(result.streamedLogprobs.flat()).toEqual(result.logprobs);
  });

  it('refuses a top count outside 0 to 20', async () => {
    await expect(generate(session(), PROMPT, ANSWER, { logprobs: 21 })).rejects.toMatchObject({ code: 'invalid_request', detail: { param: 'top_logprobs' } });
  });
});

describe('ModelSession.generate with tools', () => {
  const WEATHER = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } };
  const OPEN = 151_657;
  const CLOSE = 151_658;
  const NEWLINE = 198;
  const input = { mode: 'chat' as const, messages: [{ role: 'user' as const, content: 'Weather?' }] };
  // The template's tool preamble alone is some 150 tokens.
  const roomy = oneLayerContract(VOCAB, { hasLogitsRows: false, contextTokens: 512 });

  /** A session whose model means `answer` (token ids) after the chat prompt with `tools` shown. */
  async function call(answer: number[], request: Partial<GenerateRequest>) {
    const s = session(roomy);
    s.stage.promptLength = encoder.encode(encoder.render(input, request.tools?.tools)).length;
    s.stage.answer = answer;
    return s.model.generate({ kind: 'generate', id: 'g', input, sampling: { temperature: 0 }, maxTokens: 60, ...request }, { onDelta: () => undefined, isAborted: () => false });
  }

  /** Ids of `<tool_call>\n{json}\n</tool_call>` as the tokenizer spells it (the JSON's end and the newline merge, as in `"}}\n`). */
  const callIds = (json: string): number[] => encoder.encode(`<tool_call>\n${json}\n</tool_call>`);

  it('a call the model means comes out as it is, in its own tokens, with the tools in the prompt', async () => {
    const json = '{"name": "get_weather", "arguments": {"city":"Paris"}}';
    const ids = callIds(json);
    expect(ids).toEqual([OPEN, NEWLINE, ...encoder.encode(json.slice(0, -3)), ...encoder.encode('"}}\n'), CLOSE]);
    const result = await call(ids, { tools: { tools: [WEATHER], choice: 'required', parallel: true } });
    expect(result.tokenIds.slice(0, -1)).toEqual(ids);
    expect(result.text).toBe(`<tool_call>\n${json}\n</tool_call>`);
    expect(result.stats.finishReason).toBe('stop');
    expect(result.stats.promptTokens).toBe(encoder.encode(encoder.render(input, [WEATHER])).length);
    expect(encoder.render(input, [WEATHER])).toContain('"name": "get_weather"');
  });

  it('a call naming no tool is steered to one of the tools, with valid arguments', async () => {
    const result = await call(callIds('{"name": "get_time", "arguments": {}}'), { tools: { tools: [WEATHER], choice: 'required', parallel: false } });
    const [, json] = /^<tool_call>\n(.*)\n<\/tool_call>$/s.exec(result.text)!;
    const parsed = JSON.parse(json!) as { name: string; arguments: { city: unknown } };
    expect(parsed.name).toBe('get_weather');
    expect(typeof parsed.arguments.city).toBe('string');
  });

  it('a parameters schema the grammar refuses is invalid_request naming the tool, the keyword and its path', async () => {
    const bad = { type: 'function' as const, function: { name: 'bad', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '(?=x)' } } } } };
    await expect(call([], { tools: { tools: [WEATHER, bad], choice: 'auto', parallel: true } })).rejects.toMatchObject({
      code: 'invalid_request',
      detail: { param: 'tools[1].function.parameters', keyword: 'pattern', path: '/properties/a/pattern' },
    });
  });
});
