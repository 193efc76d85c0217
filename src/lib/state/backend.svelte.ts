// Where answers come from: this device's engine (default) or a remote OpenAI-compatible server.
// Chat, the structured panel and the /v1 host call `backend.generate` and never branch on which
// one it is; the model bar and the compare panel show what only this device has (loads, memory). Settings persist in localStorage; API keys are kept per
// server origin, so a key is only ever sent to the origin it was entered for.
import type { GeneratePayload, GenerateResult } from '../../../workers/protocol/text-generator.ts';
import { USER_DATA } from '../config/embed.ts';
import { listRemoteModels, remoteGenerate, type RemoteConfig, type RemoteModel } from '../services/remote-client.ts';
import { toUiError, type UiError } from '../utils/engine-errors.ts';
import { engine } from './engine.svelte.ts';

export type BackendKind = 'local' | 'remote';

const SETTINGS_KEY = 'qwen-local.backend';
const KEYS_KEY = 'qwen-local.remote-keys';

interface Saved {
  kind: BackendKind;
  baseUrl: string;
  model: string;
  timeoutS: number;
}

function read<T>(key: string, fallback: T): T {
  try {
    return { ...fallback, ...(JSON.parse(localStorage.getItem(key) ?? 'null') as Partial<T> | null) };
  } catch {
    return fallback;
  }
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

const DEFAULTS: Saved = { kind: 'local', baseUrl: 'http://localhost:8000/v1', model: '', timeoutS: 60 };

class BackendState {
  // An embed kept from the user's data runs on this device and never sees their server or key.
  #saved = USER_DATA ? read<Saved>(SETTINGS_KEY, DEFAULTS) : DEFAULTS;
  kind = $state<BackendKind>(this.#saved.kind);
  baseUrl = $state(this.#saved.baseUrl);
  model = $state(this.#saved.model);
  timeoutS = $state(this.#saved.timeoutS);
  #keys = $state<Record<string, string>>(USER_DATA ? read<Record<string, string>>(KEYS_KEY, {}) : {});
  models = $state<RemoteModel[]>([]);
  connecting = $state(false);
  error = $state<UiError | null>(null);

  get apiKey(): string {
    const origin = originOf(this.baseUrl);
    return origin ? (this.#keys[origin] ?? '') : '';
  }

  set apiKey(key: string) {
    const origin = originOf(this.baseUrl);
    if (!origin) return;
    this.#keys = { ...this.#keys, [origin]: key };
    if (USER_DATA) localStorage.setItem(KEYS_KEY, JSON.stringify(this.#keys));
  }

  /** The model answers come from, or null when none is ready. */
  get modelId(): string | null {
    if (this.kind === 'remote') return this.model || null;
    return engine.loading === null ? (engine.report?.repo ?? null) : null;
  }

  get contextTokens(): number {
    if (this.kind === 'local') return engine.report?.contextTokens ?? 0;
    return this.models.find((m) => m.id === this.model)?.contextTokens ?? 32_768;
  }

  get remoteConfig(): RemoteConfig {
    return { baseUrl: this.baseUrl.trim(), apiKey: this.apiKey, timeoutMs: this.timeoutS * 1000 };
  }

  use(kind: BackendKind): void {
    this.kind = kind;
    this.#save();
  }

  configure(settings: Partial<Pick<Saved, 'baseUrl' | 'model' | 'timeoutS'>>): void {
    if (settings.baseUrl !== undefined) this.baseUrl = settings.baseUrl;
    if (settings.model !== undefined) this.model = settings.model;
    if (settings.timeoutS !== undefined) this.timeoutS = settings.timeoutS;
    this.#save();
  }

  /** Reads the server's model list; keeps the chosen model when the server has it. */
  async connect(): Promise<void> {
    this.connecting = true;
    this.error = null;
    try {
      this.models = await listRemoteModels(this.remoteConfig);
      if (!this.models.some((m) => m.id === this.model)) this.configure({ model: this.models[0]?.id ?? '' });
    } catch (e) {
      this.models = [];
      this.error = toUiError(e);
    } finally {
      this.connecting = false;
    }
  }

  generate(payload: GeneratePayload, hooks: { onDelta: (delta: string) => void; signal: AbortSignal }): Promise<GenerateResult> {
    if (this.kind === 'remote') return remoteGenerate(this.remoteConfig, this.model, payload, hooks);
    return engine.client.generate(payload, hooks);
  }

  #save(): void {
    if (!USER_DATA) return;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ kind: this.kind, baseUrl: this.baseUrl, model: this.model, timeoutS: this.timeoutS } satisfies Saved));
  }
}

export const backend = new BackendState();
