// Where answers come from: this device's engine (default) or a remote OpenAI-compatible server.
// Chat, the structured panel and the /v1 host call `backend.generate` and never branch on which
// one it is; the model bar and the compare panel show what only this device has (loads, memory).
// Settings persist in localStorage; API keys are kept per server origin, so a key is only ever
// sent to the origin it was entered for.
import type { GenerateHooks, GeneratePayload, GenerateResult, TextGenerator } from '../../../workers/protocol/text-generator.ts';
import { listRemoteModels, RemoteGenerator, type RemoteConfig, type RemoteModel } from '../services/remote-client.ts';
import { isRecord, readSetting, writeSetting } from '../services/settings-store.ts';
import { toUiError, type UiError } from '../utils/engine-errors.ts';
import { engine } from './engine.svelte.ts';

export type BackendKind = 'local' | 'remote';

interface Saved {
  kind: BackendKind;
  baseUrl: string;
  model: string;
  timeoutS: number;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function isKeyList(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((key) => typeof key === 'string');
}

const DEFAULTS: Saved = { kind: 'local', baseUrl: 'http://localhost:8000/v1', model: '', timeoutS: 60 };

/** The saved settings, each field that is missing or of the wrong type replaced by its default. */
function savedSettings(): Saved {
  const { kind, baseUrl, model, timeoutS } = readSetting<Record<string, unknown>>('backend', isRecord, {});
  return {
    kind: kind === 'local' || kind === 'remote' ? kind : DEFAULTS.kind,
    baseUrl: typeof baseUrl === 'string' ? baseUrl : DEFAULTS.baseUrl,
    model: typeof model === 'string' ? model : DEFAULTS.model,
    timeoutS: typeof timeoutS === 'number' ? timeoutS : DEFAULTS.timeoutS,
  };
}

class BackendState implements TextGenerator {
  // An embed kept from the user's data runs on this device and never sees their server or key
  // (the settings store gives it the defaults).
  #saved = savedSettings();
  #kind = $state<BackendKind>(this.#saved.kind);
  #baseUrl = $state(this.#saved.baseUrl);
  #model = $state(this.#saved.model);
  #timeoutS = $state(this.#saved.timeoutS);
  #keys = $state<Record<string, string>>(readSetting('remoteKeys', isKeyList, {}));
  #models = $state<RemoteModel[]>([]);
  #connecting = $state(false);
  #error = $state<UiError | null>(null);
  readonly #remote = new RemoteGenerator(() => this.remoteConfig, () => this.#model);

  get kind(): BackendKind {
    return this.#kind;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** The remote server's model answers come from. */
  get model(): string {
    return this.#model;
  }

  get timeoutS(): number {
    return this.#timeoutS;
  }

  /** The remote server's models, once connected. */
  get models(): readonly RemoteModel[] {
    return this.#models;
  }

  get connecting(): boolean {
    return this.#connecting;
  }

  /** Why the last connect failed. */
  get error(): UiError | null {
    return this.#error;
  }

  get apiKey(): string {
    const origin = originOf(this.#baseUrl);
    return origin ? (this.#keys[origin] ?? '') : '';
  }

  /** The model answers come from, or null when none is ready. */
  get modelId(): string | null {
    if (this.#kind === 'remote') return this.#model || null;
    return engine.loading === null ? (engine.report?.repo ?? null) : null;
  }

  get contextTokens(): number {
    if (this.#kind === 'local') return engine.report?.contextTokens ?? 0;
    return this.#models.find((m) => m.id === this.#model)?.contextTokens ?? 32_768;
  }

  get remoteConfig(): RemoteConfig {
    return { baseUrl: this.#baseUrl.trim(), apiKey: this.apiKey, timeoutMs: this.#timeoutS * 1000 };
  }

  use(kind: BackendKind): void {
    this.#kind = kind;
    this.#save();
  }

  configure(settings: Partial<Pick<Saved, 'baseUrl' | 'model' | 'timeoutS'>>): void {
    if (settings.baseUrl !== undefined) this.#baseUrl = settings.baseUrl;
    if (settings.model !== undefined) this.#model = settings.model;
    if (settings.timeoutS !== undefined) this.#timeoutS = settings.timeoutS;
    this.#save();
  }

  /** Keeps `key` for the current base URL's origin (nothing without a valid URL). */
  setApiKey(key: string): void {
    const origin = originOf(this.#baseUrl);
    if (!origin) return;
    this.#keys = { ...this.#keys, [origin]: key };
    writeSetting('remoteKeys', this.#keys);
  }

  /** Reads the server's model list; keeps the chosen model when the server has it. */
  async connect(): Promise<void> {
    this.#connecting = true;
    this.#error = null;
    try {
      this.#models = await listRemoteModels(this.remoteConfig);
      if (!this.#models.some((m) => m.id === this.#model)) this.configure({ model: this.#models[0]?.id ?? '' });
    } catch (e) {
      this.#models = [];
      this.#error = toUiError(e);
    } finally {
      this.#connecting = false;
    }
  }

  generate(payload: GeneratePayload, hooks?: GenerateHooks): Promise<GenerateResult> {
    return (this.#kind === 'remote' ? this.#remote : engine.client).generate(payload, hooks);
  }

  #save(): void {
    writeSetting('backend', { kind: this.#kind, baseUrl: this.#baseUrl, model: this.#model, timeoutS: this.#timeoutS } satisfies Saved);
  }
}

export const backend = new BackendState();
