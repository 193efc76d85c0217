// Every setting this browser keeps in localStorage, each key listed once, read and written as
// its type. The key strings are users' saved settings: never rename one. The user's data (their
// server, its key, the open chat) stays out of an embed's reach unless the deployer allows it.
import { USER_DATA } from '../config/embed.ts';

interface SettingSpec {
  key: `qwen-local.${string}`;
  /** 'text' is stored as the string itself (the older settings), 'json' as JSON. */
  format: 'text' | 'json';
  userData: boolean;
}

const SETTINGS = {
  theme: { key: 'qwen-local.theme', format: 'text', userData: false },
  locale: { key: 'qwen-local.locale', format: 'text', userData: false },
  model: { key: 'qwen-local.model', format: 'text', userData: false },
  customModels: { key: 'qwen-local.custom-models', format: 'json', userData: false },
  longContextModels: { key: 'qwen-local.long-context-models', format: 'json', userData: false },
  device: { key: 'qwen-local.device', format: 'text', userData: false },
  modelSource: { key: 'qwen-local.model-source', format: 'json', userData: false },
  activeConversation: { key: 'qwen-local.active-conversation', format: 'text', userData: true },
  backend: { key: 'qwen-local.backend', format: 'json', userData: true },
  remoteKeys: { key: 'qwen-local.remote-keys', format: 'json', userData: true },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
/** A text setting holds a string; a JSON one any value JSON can carry. */
type Stored<N extends SettingName> = (typeof SETTINGS)[N]['format'] extends 'text' ? string : unknown;

/** The saved value when `accept` takes it; otherwise (none saved, not JSON, another shape, or
 * the user's data in an embed kept from it) `fallback`. */
export function readSetting<T, F = T>(name: SettingName, accept: (value: unknown) => value is T, fallback: F): T | F {
  const { key, format, userData } = SETTINGS[name];
  const raw = userData && !USER_DATA ? null : localStorage.getItem(key);
  if (raw === null) return fallback;
  let value: unknown = raw;
  if (format === 'json') {
    try {
      value = JSON.parse(raw);
    } catch {
      return fallback;
    }
  }
  return accept(value) ? value : fallback;
}

export function writeSetting<N extends SettingName>(name: N, value: Stored<N>): void {
  const { key, format, userData } = SETTINGS[name];
  if (userData && !USER_DATA) return;
  localStorage.setItem(key, format === 'json' ? JSON.stringify(value) : String(value));
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
