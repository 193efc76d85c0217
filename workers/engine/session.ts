// A loaded model and its conversation cache: runs one generate request — encode, reuse the
// cached prefix, prefill the rest, then sample, stream and stop — and reports its stats.
import { EngineError } from '../protocol/errors.ts';
import type { DoneEvent, GenerateRequest, GenerationDefaults, GenerationStats } from '../protocol/messages.ts';
import { Random } from '../generation/random.ts';
import { createSampler } from '../generation/sampler.ts';
import { samplingDefaults, validateSamplingParams, type SamplingParams } from '../generation/sampling-params.ts';
import { StopStringFilter } from '../generation/stop-strings.ts';
import { StoppingCriteria, type FinishReason } from '../generation/stopping.ts';
import { TextStreamer } from '../generation/text-streamer.ts';
import { createGrammarConstraint, SchemaError, validateResponseFormat, type GrammarConstraint, type TokenVocabulary } from '../grammar/index.ts';
import type { Decoder } from './decoder.ts';
import type { KvCache } from './kv-cache.ts';
import { reusablePrefix } from './prefix-match.ts';
import type { GraphContract } from './ort-session.ts';
import type { PromptEncoder } from './prompt-encoder.ts';

const DEFAULT_MAX_TOKENS = 512;

export interface SessionParts {
  decoder: Decoder;
  cache: KvCache;
  encoder: PromptEncoder;
  contract: GraphContract;
  generationConfig: Record<string, unknown>;
  /** Each token's bytes, for JSON constraints. */
  vocabulary: TokenVocabulary;
}

export interface GenerateHooks {
  onDelta: (delta: string) => void;
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

  get liveTensors(): number {
    return this.#parts.cache.liveTensors;
  }

  dispose(): void {
    this.#parts.cache.clear();
  }

  async generate(request: GenerateRequest, hooks: GenerateHooks): Promise<Omit<DoneEvent, 'kind' | 'id'>> {
    const { decoder, cache, encoder, contract } = this.#parts;
    const sampling = this.#samplingParams(request);
    const promptTokens = encoder.encode(encoder.render(request.input));
    const context = contract.contextTokens;
    if (promptTokens.length === 0) throw new EngineError('invalid_request', 'The prompt is empty.');
    if (promptTokens.length >= context) {
      throw new EngineError(
        'context_length_exceeded',
        `The prompt is ${promptTokens.length} tokens, but this model's context window is ${context} tokens (room must remain for at least one new token). Shorten the conversation or start a new one.`,
        { promptTokens: promptTokens.length, contextTokens: context },
      );
    }
    if (request.maxTokens !== undefined && !(Number.isSafeInteger(request.maxTokens) && request.maxTokens >= 1)) {
      throw new EngineError('invalid_request', `max tokens must be a whole number of at least 1 (got ${request.maxTokens}).`);
    }
    const maxTokens = Math.min(request.maxTokens ?? this.#defaultMaxTokens(), context - promptTokens.length);
    const constraint = this.#constraint(request, maxTokens);

    const started = performance.now();
    const reused = request.freshCache ? 0 : reusablePrefix(cache.tokens, promptTokens);
    cache.crop(reused);
    let logits = await decoder.prefill(promptTokens.slice(reused), cache);
    const prefillMs = performance.now() - started;

    const sampler = createSampler(sampling, new Random(sampling.seed));
    const stopping = new StoppingCriteria({ eosTokenIds: this.#eosIds, maxNewTokens: maxTokens, isAborted: hooks.isAborted });
    const streamer = new TextStreamer((ids) => encoder.decode(ids));
    const stops = new StopStringFilter(request.stop ?? []);
    const generated: number[] = [];
    let text = '';
    let firstTokenMs = 0;
    let finish: FinishReason | null = null;
    const emit = (delta: string): void => {
      if (!delta) return;
      text += delta;
      hooks.onDelta(delta);
    };
    while (finish === null) {
      constraint?.apply(logits, { promptTokens, generatedTokens: generated });
      const token = sampler.sample(logits, { promptTokens, generatedTokens: generated });
      constraint?.accept(token);
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
    return { text, tokenIds: generated, stats };
  }

  #defaultMaxTokens(): number {
    const fromConfig = this.#parts.generationConfig['max_new_tokens'];
    return typeof fromConfig === 'number' ? fromConfig : DEFAULT_MAX_TOKENS;
  }

  // The JSON grammar a response_format asks for, checked before any work: a bad schema or a
  // max_tokens too small for the smallest valid document is the request's error.
  #constraint(request: GenerateRequest, maxTokens: number): GrammarConstraint | null {
    const format = request.responseFormat;
    if (!format) return null;
    const problems = validateResponseFormat(format);
    if (problems.length > 0) throw new EngineError('invalid_request', `response_format: ${problems.join('; ')}`, { problems });
    try {
      return createGrammarConstraint(format, this.#parts.vocabulary, { maxTokens, eosTokenIds: [...this.#eosIds] });
    } catch (error) {
      if (error instanceof SchemaError) {
        throw new EngineError('invalid_request', `response_format: ${error.message}`, { keyword: error.keyword, path: error.path });
      }
      if (error instanceof RangeError) throw new EngineError('invalid_request', `response_format: ${error.message}`);
      throw error;
    }
  }

  #samplingParams(request: GenerateRequest): SamplingParams {
    const params = { ...samplingDefaults(this.#parts.generationConfig), ...request.sampling };
    const problems = validateSamplingParams(params);
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
