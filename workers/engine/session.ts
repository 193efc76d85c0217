// A loaded model and its conversation cache: runs one generate request — encode, reuse the
// cached prefix, prefill the rest, then sample, stream and stop — and reports its stats; or
// scores a given answer by teacher forcing.
import { EngineError } from '../protocol/errors.ts';
import type { GenerateRequest, GenerationDefaults, GenerationStats, ScoreRequest, ScoresEvent } from '../protocol/messages.ts';
import type { GenerateResult } from '../protocol/text-generator.ts';
import { TOP_LOGPROBS_BOUND, type TokenLogprob } from '../protocol/logprobs.ts';
import { Random } from '../generation/random.ts';
import { createSampler } from '../generation/sampler.ts';
import { samplingDefaults } from '../generation/sampling-params.ts';
import { checkBound, describeBound, maxTokensProblem, samplingProblems, type SamplingParams } from '../protocol/sampling-rules.ts';
import { StopStringFilter } from '../generation/stop-strings.ts';
import { StoppingCriteria, type FinishReason } from '../generation/stopping.ts';
import { TextStreamer } from '../generation/text-streamer.ts';
import { createGrammarConstraint, SchemaError, ToolCallConstraint, ToolSchemaError, validateResponseFormat, type GrammarConstraint, type TokenVocabulary } from '../grammar/index.ts';
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from '../protocol/tools.ts';
import type { Decoder } from './decoder.ts';
import { reusablePrefix } from './prefix-match.ts';
import type { GraphContract } from './graph-contract.ts';
import type { KvCount } from './kv-cache.ts';
import type { Pipeline } from './pipeline.ts';
import type { PromptEncoder } from './prompt-encoder.ts';
import { scoreAnswer, type ForcedModel } from './teacher-forcing.ts';
import { LogprobReader } from './token-logprobs.ts';

const DEFAULT_MAX_TOKENS = 512;

export interface SessionParts {
  decoder: Decoder;
  /** The model's stages and their KV caches. */
  cache: Pipeline;
  encoder: PromptEncoder;
  contract: GraphContract;
  generationConfig: Record<string, unknown>;
  /** Each token's bytes, for JSON constraints. */
  vocabulary: TokenVocabulary;
  /** Settles when the cache may hold this many tokens (a fast start's longer requests wait for its speed-up: speed-up.ts). */
  roomFor?: (tokens: number) => Promise<void>;
}

/** The engine's side of a request: deltas out, its abort flag in (the UI side is protocol's GenerateHooks). */
export interface SessionHooks {
  onDelta: (delta: string, logprobs?: TokenLogprob[]) => void;
  isAborted: () => boolean;
}

export class ModelSession {
  readonly #parts: SessionParts;
  readonly #eosIds: Set<number>;

  constructor(parts: SessionParts) {
    this.#parts = parts;
    const eos = parts.generationConfig['eos_token_id'];
    const ids = Array.isArray(eos) ? eos : eos === undefined ? [] : [eos];
    const tokenizerEos = parts.encoder.tokenizer.eos_token_id;
    if (typeof tokenizerEos === 'number') ids.push(tokenizerEos);
    this.#eosIds = new Set(ids.filter((x): x is number => typeof x === 'number'));
  }

  /** The model's recommended sampling and output length (generation_config.json), for settings forms. */
  get defaults(): GenerationDefaults {
    return { sampling: samplingDefaults(this.#parts.generationConfig), maxTokens: this.#defaultMaxTokens() };
  }

  get cachedTokens(): number {
    return this.#parts.cache.tokens.length;
  }

  get kv(): KvCount {
    return this.#parts.cache.kv;
  }

  get contextTokens(): number {
    return this.#parts.contract.contextTokens;
  }

  /** The prompt's length in tokens, as generate would encode it. */
  countPrompt(input: GenerateRequest['input']): number {
    return this.#promptIds(input).length;
  }

  dispose(): void {
    this.#parts.cache.clear();
  }

  async generate(request: GenerateRequest, hooks: SessionHooks): Promise<GenerateResult> {
    const { decoder, cache, encoder, contract } = this.#parts;
    const sampling = this.#samplingParams(request);
    const promptTokens = this.#promptIds(request.input, request.tools?.tools);
    const context = contract.contextTokens;
    if (promptTokens.length === 0) throw new EngineError('invalid_request', 'The prompt is empty.');
    if (promptTokens.length >= context) {
      throw new EngineError(
        'context_length_exceeded',
        `The prompt is ${promptTokens.length} tokens, but this model's context window is ${context} tokens (room must remain for at least one new token). Shorten the conversation or start a new one.`,
        { promptTokens: promptTokens.length, contextTokens: context },
      );
    }
    const maxTokensRefusal = request.maxTokens === undefined ? null : maxTokensProblem(request.maxTokens);
    if (maxTokensRefusal) throw new EngineError('invalid_request', maxTokensRefusal, { param: 'max_tokens' });
    const maxTokens = Math.min(request.maxTokens ?? this.#defaultMaxTokens(), context - promptTokens.length);
    const constraint = this.#constraint(request, maxTokens);
    const reader = this.#logprobReader(request);
    await this.#parts.roomFor?.(promptTokens.length + maxTokens);

    const started = performance.now();
    const reused = request.freshCache ? 0 : reusablePrefix(cache.tokens, promptTokens);
    cache.crop(reused);
    let logits = await decoder.prefill(promptTokens.slice(reused), cache, hooks.isAborted);
    const prefillMs = performance.now() - started;

    const sampler = createSampler(sampling, new Random(sampling.seed));
    const stopping = new StoppingCriteria({ eosTokenIds: this.#eosIds, maxNewTokens: maxTokens, isAborted: hooks.isAborted });
    const streamer = new TextStreamer((ids) => encoder.decode(ids));
    const stops = new StopStringFilter(request.stop ?? []);
    const generated: number[] = [];
    const logprobs: TokenLogprob[] = [];
    let logprobsSent = 0;
    const unsentLogprobs = (): TokenLogprob[] | undefined => {
      if (!reader) return undefined;
      const unsent = logprobs.slice(logprobsSent);
      logprobsSent = logprobs.length;
      return unsent;
    };
    let text = '';
    let firstTokenMs = 0;
    let finish: FinishReason | null = null;
    const emit = (delta: string): void => {
      if (!delta) return;
      text += delta;
      hooks.onDelta(delta, unsentLogprobs());
    };
    while (finish === null) {
      // The grammar and the sampler change the row in place; logprobs are the model's own.
      const rawLogits = reader ? logits.slice() : null;
      constraint?.apply(logits, { promptTokens, generatedTokens: generated });
      const token = sampler.sample(logits, { promptTokens, generatedTokens: generated });
      constraint?.accept(token);
      // The end-of-sequence token is no part of the answer, as OpenAI's logprobs leave it out.
      if (reader && rawLogits && !this.#eosIds.has(token)) logprobs.push(reader.read(rawLogits, token));
      if (generated.length === 0) firstTokenMs = performance.now() - started;
      generated.push(token);
      // Special tokens (eos among them) decode to nothing, so they never reach the text.
      const filtered = stops.push(streamer.push(token));
      emit(filtered.text);
      await nextMacrotask();
      finish = filtered.stopped ? 'stop' : stopping.check(generated);
      if (finish === null) logits = await decoder.step([token], cache);
    }
    // After a stop string the filter passes nothing more; otherwise release what it held.
    const tail = stops.push(streamer.flush());
    emit(tail.text);
    if (!tail.stopped) emit(stops.flush());
    // Tokens whose text never came out (the start of a stop string) still had their logprobs.
    if (logprobsSent < logprobs.length) hooks.onDelta('', unsentLogprobs());
    const decodeMs = performance.now() - started - prefillMs;
    const answerIds = this.#eosIds.has(generated[generated.length - 1]!) ? generated.slice(0, -1) : generated;
    encoder.remember(text, answerIds);

    const stats: GenerationStats = {
      promptTokens: promptTokens.length,
      reusedTokens: reused,
      prefillTokens: promptTokens.length - reused,
      prefillTokensPerSecond: ((promptTokens.length - reused) / prefillMs) * 1000,
      decodeTokens: generated.length,
      decodeTokensPerSecond: generated.length > 1 ? ((generated.length - 1) / decodeMs) * 1000 : 0,
      timeToFirstTokenMs: firstTokenMs,
      finishReason: finish,
    };
    return { text, tokenIds: generated, stats, ...(reader ? { logprobs } : {}) };
  }

  /** The answer's tokens read after the prompt in one prefill (teacher forcing), each with its rank and top candidates. */
  async score(request: ScoreRequest, isAborted: () => boolean): Promise<Omit<ScoresEvent, 'kind' | 'id'>> {
    const { decoder, cache, encoder, contract } = this.#parts;
    const started = performance.now();
    const promptIds = this.#promptIds(request.input);
    const answerIds = this.#eosIds.has(request.answerIds.at(-1)!) ? request.answerIds.slice(0, -1) : request.answerIds;
    if (promptIds.length === 0) throw new EngineError('invalid_request', 'The prompt is empty.');
    if (answerIds.length === 0) throw new EngineError('invalid_request', 'There is no answer to score.');
    const outside = answerIds.find((id) => !(Number.isSafeInteger(id) && id >= 0 && id < contract.vocab));
    if (outside !== undefined) throw new EngineError('invalid_request', `Token id ${outside} is not in this model's vocabulary of ${contract.vocab}.`);
    // The last answer token is predicted, never fed.
    const fedTokens = promptIds.length + answerIds.length - 1;
    if (fedTokens > contract.contextTokens) {
      throw new EngineError('context_length_exceeded', `The prompt and answer are ${fedTokens + 1} tokens, longer than this model's context window of ${contract.contextTokens}.`, {
        promptTokens: promptIds.length,
        contextTokens: contract.contextTokens,
      });
    }
    await this.#parts.roomFor?.(fedTokens);
    cache.crop(reusablePrefix(cache.tokens, promptIds));
    const model: ForcedModel = {
      get past() {
        return cache.tokens.length;
      },
      chunkTokens: (allRows) => decoder.chunkTokens(cache.tokens.length, allRows),
      step: (ids, rows) => decoder.step(ids, cache, rows),
    };
    const rows = await scoreAnswer(model, promptIds, answerIds, isAborted);
    // Each token's text as the answer streamed it: a character split over tokens shows on its last one.
    const streamer = new TextStreamer((ids) => encoder.decode(ids));
    const texts = answerIds.map((id) => streamer.push(id));
    texts[texts.length - 1] += streamer.flush();
    const tokens = rows.map((row, i) => ({
      id: answerIds[i]!,
      text: texts[i]!,
      rank: row.rank,
      probability: row.probability,
      top: row.top.map((c) => ({ ...c, text: encoder.tokenText(c.id) })),
    }));
    return { promptIds, tokens, durationMs: performance.now() - started };
  }

  /** The prompt's ids: the chat template (with the tools, when given) encoded. */
  #promptIds(input: GenerateRequest['input'], tools?: NonNullable<GenerateRequest['tools']>['tools']): number[] {
    const { encoder } = this.#parts;
    return encoder.encode(encoder.render(input, tools));
  }

  #defaultMaxTokens(): number {
    const fromConfig = this.#parts.generationConfig['max_new_tokens'];
    return typeof fromConfig === 'number' ? fromConfig : DEFAULT_MAX_TOKENS;
  }

  // The JSON grammar a response_format or tools ask for, checked before any work: a bad schema
  // or a max_tokens too small for the smallest valid document is the request's error.
  #constraint(request: GenerateRequest, maxTokens: number): GrammarConstraint | ToolCallConstraint | null {
    const format = request.responseFormat;
    if (request.tools) {
      if (format && format.type !== 'text' && request.tools.choice !== 'none') {
        throw new EngineError('invalid_request', 'response_format cannot be combined with tools unless tool_choice is "none".', { param: 'response_format' });
      }
      if (!format || format.type === 'text') return this.#toolConstraint(request, maxTokens);
    }
    if (!format) return null;
    const problems = validateResponseFormat(format);
    if (problems.length > 0) throw new EngineError('invalid_request', `response_format: ${problems.join('; ')}`, { param: 'response_format', problems });
    try {
      return createGrammarConstraint(format, this.#parts.vocabulary, { maxTokens, eosTokenIds: [...this.#eosIds] });
    } catch (error) {
      if (error instanceof SchemaError) {
        throw new EngineError('invalid_request', `response_format: ${error.message}`, { param: 'response_format', keyword: error.keyword, path: error.path });
      }
      if (error instanceof RangeError) throw new EngineError('invalid_request', `response_format: ${error.message}`, { param: 'response_format' });
      throw error;
    }
  }

  #logprobReader(request: GenerateRequest): LogprobReader | null {
    const top = request.logprobs;
    if (top === undefined) return null;
    if (checkBound(TOP_LOGPROBS_BOUND, top) !== null) {
      throw new EngineError('invalid_request', `top logprobs must be ${describeBound(TOP_LOGPROBS_BOUND)} (got ${String(top)})`, { param: 'top_logprobs' });
    }
    const { vocabulary, encoder } = this.#parts;
    return new LogprobReader(top, vocabulary, (id) => encoder.tokenText(id));
  }

  #toolConstraint(request: GenerateRequest, maxTokens: number): ToolCallConstraint {
    const { encoder } = this.#parts;
    const single = (text: string): number => {
      const ids = encoder.encode(text);
      if (ids.length !== 1) throw new EngineError('invalid_request', `This model's tokenizer has no ${JSON.stringify(text)} token, so it cannot call tools.`, { param: 'tools' });
      return ids[0]!;
    };
    const use = request.tools!;
    const named = typeof use.choice === 'object' ? use.choice.function.name : null;
    if (named !== null && !use.tools.some((tool) => tool.function.name === named)) {
      throw new EngineError('invalid_request', `tool_choice names ${JSON.stringify(named)}, which is not one of the tools.`, { param: 'tool_choice' });
    }
    const tokens = { open: single(TOOL_CALL_OPEN), close: single(TOOL_CALL_CLOSE), newline: single('\n') };
    try {
      return new ToolCallConstraint(use, this.#parts.vocabulary, { maxTokens, eosTokenIds: [...this.#eosIds], tokens });
    } catch (error) {
      if (error instanceof ToolSchemaError) {
        const param = `tools[${error.toolIndex}].function.parameters`;
        const { keyword, path } = error.schemaError;
        throw new EngineError('invalid_request', `${param}: ${error.message}`, { param, keyword, path });
      }
      if (error instanceof RangeError) throw new EngineError('invalid_request', error.message, { param: 'max_tokens' });
      throw error;
    }
  }

  #samplingParams(request: GenerateRequest): SamplingParams {
    const params = { ...samplingDefaults(this.#parts.generationConfig), ...request.sampling };
    const problems = samplingProblems(params);
    if (problems.length > 0) throw new EngineError('invalid_request', problems.join('; '), { problems });
    return params;
  }
}

// A step's awaits resolve as microtasks; yielding a macrotask lets an abort message in.
// One channel for every step: a message costs far less than a timer's minimum delay.
const macrotasks = new MessageChannel();
const waiting: (() => void)[] = [];
macrotasks.port1.onmessage = () => waiting.shift()?.();

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    macrotasks.port2.postMessage(null);
  });
}
