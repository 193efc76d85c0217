// What a compare pane runs on, behind one interface: an engine worker of this device (loads the
// pane's model, scores by teacher forcing) or the remote server of the backend setting (serves
// the model already; scores with vLLM's prompt logprobs). The compare store picks by backend.
import type { GenerateInput, LoadRequest, ProgressEvent } from '../../../workers/protocol/messages.ts';
import type { GenerateHooks, GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';
import { EngineClient, type ScoreResult } from '../services/engine-client.ts';
import { RemoteGenerator, type RemoteConfig } from '../services/remote-client.ts';
import { remoteScore } from '../services/remote-score.ts';

export interface PaneEngine extends TextGenerator {
  /** Makes `repo` ready to answer (a load on this device; nothing on a server). */
  ready(repo: string, onProgress: (p: ProgressEvent) => void, signal: AbortSignal): Promise<void>;
  /** Each token of `answer`, read after `input` by this engine's model. */
  score(input: GenerateInput, answer: GenerateResult, signal: AbortSignal): Promise<ScoreResult>;
  /** True once `ready` has made a model ready. */
  readonly holdsModel: boolean;
  dispose(): void;
}

export class LocalPaneEngine implements PaneEngine {
  readonly #client = new EngineClient();
  readonly #loadRequest: (repo: string) => Omit<LoadRequest, 'kind' | 'id'>;
  #loaded: string | null = null;

  constructor(loadRequest: (repo: string) => Omit<LoadRequest, 'kind' | 'id'>) {
    this.#loadRequest = loadRequest;
  }

  get holdsModel(): boolean {
    return this.#loaded !== null;
  }

  async ready(repo: string, onProgress: (p: ProgressEvent) => void, signal: AbortSignal): Promise<void> {
    const request = this.#loadRequest(repo);
    const key = JSON.stringify(request);
    if (this.#loaded === key) return;
    this.#loaded = null;
    await this.#client.load(request, onProgress, signal);
    this.#loaded = key;
  }

  generate(payload: GeneratePayload, hooks?: GenerateHooks): Promise<GenerateResult> {
    return this.#client.generate(payload, hooks);
  }

  score(input: GenerateInput, answer: GenerateResult, signal: AbortSignal): Promise<ScoreResult> {
    return this.#client.score({ input, answerIds: answer.tokenIds }, signal);
  }

  dispose(): void {
    this.#client.terminate();
    this.#loaded = null;
  }
}

export class RemotePaneEngine implements PaneEngine {
  readonly #config: () => RemoteConfig;
  #model = '';
  readonly #remote: RemoteGenerator;

  constructor(config: () => RemoteConfig) {
    this.#config = config;
    this.#remote = new RemoteGenerator(config, () => this.#model);
  }

  get holdsModel(): boolean {
    return this.#model !== '';
  }

  async ready(repo: string): Promise<void> {
    this.#model = repo;
  }

  generate(payload: GeneratePayload, hooks?: GenerateHooks): Promise<GenerateResult> {
    return this.#remote.generate(payload, hooks);
  }

  score(input: GenerateInput, answer: GenerateResult, signal: AbortSignal): Promise<ScoreResult> {
    return remoteScore(this.#config(), this.#model, input, answer.text, signal);
  }

  dispose(): void {
    this.#model = '';
  }
}
