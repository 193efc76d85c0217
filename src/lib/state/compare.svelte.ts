// The compare view: one question to a base model and its post-trained (chat) sibling, each in
// its own engine worker streaming side by side, or one after the other in one worker when both
// do not fit in memory; then the chat answer is scored by both models (teacher forcing) for
// the alignment diff. Vocabulary: pane = one model's side; run = one question to both.
import type { SamplingOptions } from '../../../workers/protocol/sampling-rules.ts';
import type { GenerateResult } from '../../../workers/protocol/text-generator.ts';
import { memoryBudgetBytes } from '../catalog/capability.ts';
import { comparePairs } from '../catalog/models.ts';
import { t } from '../i18n/i18n.svelte.ts';
import type { ScoreResult } from '../services/engine-client.ts';
import { alignmentDiff, type AlignmentDiff } from '../utils/alignment-diff.ts';
import { catalogModelBytes, compareSchedule, memoryOverride, type CompareSchedule } from '../utils/compare-memory.ts';
import { basePrompt, chatPrompt, type PanePrompt, type PromptFormat } from '../utils/compare-prompts.ts';
import { diffExport, type DiffContext, type DiffExportFile } from '../utils/diff-export.ts';
import { toUiError, type UiError } from '../utils/engine-errors.ts';
import { streamAnswer } from './answer-stream.ts';
import { backend } from './backend.svelte.ts';
import { LocalPaneEngine, RemotePaneEngine, type PaneEngine } from './compare-engines.ts';
import { PaneState } from './compare-pane.svelte.ts';
import { engine } from './engine.svelte.ts';
import { modelChoice } from './model-choice.svelte.ts';

type Side = 'base' | 'chat';
interface Scores {
  base: ScoreResult;
  chat: ScoreResult;
}

function initialPair(): { base: string; chat: string } {
  const params = new URLSearchParams(location.search);
  const pair = comparePairs()[0]!;
  return { base: params.get('base') || pair.base, chat: params.get('model') || pair.chat };
}

interface RunSettings {
  question: string;
  format: PromptFormat;
  temperature: number;
  maxTokens: number;
}

class CompareState {
  readonly base: PaneState;
  readonly chat: PaneState;
  #settings = $state.raw<RunSettings>({ question: t('compare.defaultQuestion'), format: 'raw', temperature: 0, maxTokens: 64 });
  #schedule = $state<CompareSchedule | null>(null);
  #running = $state<AbortController | null>(null);
  #scoring = $state(false);
  #diff = $state.raw<AlignmentDiff | null>(null);
  #diffError = $state<UiError | null>(null);
  /** What the diff on screen was made from, for its export. */
  #diffContext: DiffContext | null = null;
  #engines: Partial<Record<Side, PaneEngine>> = {};
  /** The backend the engines were made for; a change of backend makes new ones. */
  #enginesFor = backend.kind;

  constructor() {
    const pair = initialPair();
    this.base = new PaneState(pair.base);
    this.chat = new PaneState(pair.chat);
  }

  /** The question and settings the next run uses. */
  get settings(): Readonly<RunSettings> {
    return this.#settings;
  }

  /** How the last run shared memory: both models at once, or one after the other. */
  get schedule(): CompareSchedule | null {
    return this.#schedule;
  }

  /** The run in progress. */
  get running(): AbortController | null {
    return this.#running;
  }

  get scoring(): boolean {
    return this.#scoring;
  }

  get diff(): AlignmentDiff | null {
    return this.#diff;
  }

  get diffError(): UiError | null {
    return this.#diffError;
  }

  configure(changes: Partial<RunSettings>): void {
    const next = { ...this.#settings, ...changes };
    // A number field emptied while typing reads NaN: it keeps its last number.
    if (Number.isNaN(next.temperature)) next.temperature = this.#settings.temperature;
    if (Number.isNaN(next.maxTokens)) next.maxTokens = this.#settings.maxTokens;
    this.#settings = next;
  }

  chooseModel(side: Side, repo: string): void {
    this[side].choose(repo);
  }

  /** Greedy at temperature 0; every other knob neutral and the seed fixed, so both models decode alike and runs repeat. */
  get sampling(): SamplingOptions {
    return { temperature: this.#settings.temperature, top_k: 0, top_p: 1, min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0, seed: 0 };
  }

  async run(): Promise<void> {
    const { question, format } = this.#settings;
    if (this.#running || !question.trim()) return;
    const controller = new AbortController();
    this.#running = controller;
    this.#diff = null;
    this.#diffError = null;
    const context: DiffContext = { models: { base: this.base.repo, chat: this.chat.repo }, question, baseFormat: format, sampling: this.sampling };
    const schedule = (this.#schedule = await this.#scheduleFor());
    const chatInput = chatPrompt(context.question);
    const baseInput = basePrompt(context.baseFormat, context.question);
    try {
      const scores = schedule.mode === 'parallel' ? await this.#parallel(chatInput, baseInput, controller.signal) : await this.#sequential(chatInput, baseInput, controller.signal);
      if (scores) {
        this.#diff = alignmentDiff(scores.base, scores.chat);
        this.#diffContext = context;
      }
    } catch (e) {
      // A stopped run stops its loads and scoring with 'aborted': nothing to report.
      const error = toUiError(e);
      if (error.code !== 'aborted') this.#diffError = error;
    } finally {
      // A pane still waiting its turn (the run failed or stopped before it) will not get one.
      if (this.base.status === 'waiting') this.base.reset('stopped');
      this.#scoring = false;
      this.#running = null;
    }
  }

  stop(): void {
    this.#running?.abort();
  }

  /** Ends both workers, and with them the models they hold. */
  unload(): void {
    for (const side of ['base', 'chat'] as const) this.#drop(side);
    this.base.reset('idle');
    this.chat.reset('idle');
  }

  exportFile(): DiffExportFile | null {
    return this.#diff && this.#diffContext ? diffExport(this.#diff, this.#diffContext) : null;
  }

  async #scheduleFor(): Promise<CompareSchedule> {
    // A server holds both models; memory here is not the question.
    if (backend.kind === 'remote') return { mode: 'parallel' };
    const device = modelChoice.deviceProfile(await engine.detection.catch(() => null));
    return compareSchedule({
      modelBytes: [this.base.repo, this.chat.repo].map((repo) => catalogModelBytes(repo, device)),
      budgetBytes: memoryBudgetBytes(device),
      override: memoryOverride(location.search),
    });
  }

  // Both workers at once: the chat answer, once complete, is scored by both while the base pane
  // may still stream (the base worker takes the request after its own answer).
  async #parallel(chatInput: PanePrompt, baseInput: PanePrompt, signal: AbortSignal): Promise<Scores | null> {
    const chatEngine = this.#engine('chat');
    const baseEngine = this.#engine('base');
    this.chat.reset('loading');
    this.base.reset('loading');
    const baseAnswer = this.#answer(this.base, baseEngine, baseInput, signal);
    const chatAnswer = await this.#answer(this.chat, chatEngine, chatInput, signal);
    this.#scoring = chatAnswer !== null;
    const scores = chatAnswer
      ? Promise.all([
          baseAnswer.then(() => (baseEngine.holdsModel ? baseEngine.score(chatInput.input, chatAnswer, signal) : null)),
          chatEngine.score(chatInput.input, chatAnswer, signal),
        ])
      : Promise.resolve(null);
    // The run lasts until the base pane is done too, whatever the scoring does.
    await Promise.allSettled([baseAnswer, scores]);
    const scored = await scores;
    return scored?.[0] ? { base: scored[0], chat: scored[1] } : null;
  }

  // One worker: the chat model answers and scores its answer, then the base model is loaded in
  // its place, answers, and scores the chat answer.
  async #sequential(chatInput: PanePrompt, baseInput: PanePrompt, signal: AbortSignal): Promise<Scores | null> {
    this.#drop('base');
    const engine = this.#engine('chat');
    this.chat.reset('loading');
    this.base.reset('waiting');
    const chatAnswer = await this.#answer(this.chat, engine, chatInput, signal);
    this.#scoring = chatAnswer !== null;
    const chat = chatAnswer && (await engine.score(chatInput.input, chatAnswer, signal));
    if (signal.aborted) {
      this.base.reset('stopped');
      return null;
    }
    const baseAnswer = await this.#answer(this.base, engine, baseInput, signal);
    if (!chatAnswer || !chat || !baseAnswer) return null;
    return { base: await engine.score(chatInput.input, chatAnswer, signal), chat };
  }

  /** Loads the pane's model if needed, then streams its answer; null when it failed or stopped. */
  async #answer(pane: PaneState, engine: PaneEngine, prompt: PanePrompt, signal: AbortSignal): Promise<GenerateResult | null> {
    try {
      pane.loading(null);
      await engine.ready(pane.repo, (p) => pane.loading(p), signal);
    } catch (e) {
      const error = toUiError(e);
      if (error.code === 'aborted') pane.reset('stopped');
      else pane.fail(error);
      return null;
    }
    pane.streaming('');
    const payload = { input: prompt.input, stop: prompt.stop, sampling: this.sampling, maxTokens: this.#settings.maxTokens };
    const answered = await streamAnswer(engine, payload, { onText: (text) => pane.streaming(text), signal });
    if (!answered.ok) {
      pane.fail(answered.error);
      return null;
    }
    pane.finish(answered.result);
    return answered.result.stats.finishReason === 'abort' ? null : answered.result;
  }

  #engine(side: Side): PaneEngine {
    if (this.#enginesFor !== backend.kind) {
      this.#drop('base');
      this.#drop('chat');
      this.#enginesFor = backend.kind;
    }
    return (this.#engines[side] ??= backend.kind === 'remote' ? new RemotePaneEngine(() => backend.remoteConfig) : new LocalPaneEngine((repo) => modelChoice.request(repo, engine.capabilities)));
  }

  #drop(side: Side): void {
    this.#engines[side]?.dispose();
    delete this.#engines[side];
  }
}

export const compare = new CompareState();
