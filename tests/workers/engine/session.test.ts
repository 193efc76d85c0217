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
import { modelFiles, ort, Pipeline, VOCAB } from './engine-harness.ts';

const files = modelFiles();
const EOS = (files.generationConfig['eos_token_id'] as number[])[0]!;
const CONTEXT = 64;
const contract: GraphContract = oneLayerContract(VOCAB, { hasLogitsRows: false, contextTokens: CONTEXT });

/** Predicts `answer` after `promptLength` cached tokens, from the positions its cache holds. */
class AnswerStage implements Stage {
  readonly info = { inputNames: [], outputNames: [], inputMetadata: [] };
  readonly liveTensors = 0;
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
  const result = await s.model.generate(
    { kind: 'generate', id: 'g', input: { mode: 'completion', prompt }, sampling: { temperature: 0 }, ...request },
    { onDelta: (delta) => deltas.push(delta), isAborted: () => false },
  );
  return { ...result, deltas };
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
    const bad = { type: 'function' as const, function: { name: 'bad', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '^x' } } } } };
    await expect(call([], { tools: { tools: [WEATHER, bad], choice: 'auto', parallel: true } })).rejects.toMatchObject({
      code: 'invalid_request',
      detail: { param: 'tools[1].function.parameters', keyword: 'pattern', path: '/properties/a/pattern' },
    });
  });
});
