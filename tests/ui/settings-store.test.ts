// The settings store over an in-memory localStorage: saved values come back as they were written,
// and anything unreadable (not JSON, another shape) falls back instead of breaking the app; an
// embed kept from the user's data neither reads nor writes their server settings.
import { afterEach, describe, expect, it, vi } from 'vitest';

type SettingsStore = typeof import('../../src/lib/services/settings-store.ts');

class MemoryStorage {
  readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

/** The module as a page at `search` loads it, over `storage`. */
async function load(storage: MemoryStorage, search = ''): Promise<SettingsStore> {
  vi.resetModules();
  vi.stubGlobal('location', { origin: 'http://app.test', search });
  vi.stubGlobal('localStorage', storage);
  return import('../../src/lib/services/settings-store.ts');
}

const isTheme = (value: unknown): value is 'light' | 'dark' => value === 'light' || value === 'dark';
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('settings store', () => {
  it('keeps each setting under its own key, text as it is and the rest as JSON', async () => {
    const storage = new MemoryStorage();
    const settings = await load(storage);
    settings.writeSetting('theme', 'dark');
    settings.writeSetting('customModels', ['me/model']);
    expect(storage.items).toEqual(
      new Map([
        ['qwen-local.theme', 'dark'],
        ['qwen-local.custom-models', '["me/model"]'],
      ]),
    );
    expect(settings.readSetting('theme', isTheme, 'system')).toBe('dark');
    expect(settings.readSetting('customModels', isStringList, [])).toEqual(['me/model']);
  });

  it('falls back when nothing is saved, when the JSON is corrupt and when the value has another shape', async () => {
    const storage = new MemoryStorage();
    const settings = await load(storage);
    expect(settings.readSetting('customModels', isStringList, [])).toEqual([]);
    storage.setItem('qwen-local.custom-models', '["me/mod');
    expect(settings.readSetting('customModels', isStringList, [])).toEqual([]);
    storage.setItem('qwen-local.custom-models', '{"not": "a list"}');
    expect(settings.readSetting('customModels', isStringList, [])).toEqual([]);
    storage.setItem('qwen-local.theme', 'purple');
    expect(settings.readSetting('theme', isTheme, 'system')).toBe('system');
    storage.setItem('qwen-local.backend', 'null');
    expect(settings.readSetting('backend', settings.isRecord, {})).toEqual({});
  });

  it("in an embed kept from the user's data, their server settings are neither read nor written", async () => {
    const storage = new MemoryStorage();
    storage.setItem('qwen-local.remote-keys', '{"https://paid.example":"sk-secret"}');
    const settings = await load(storage, '?embed=1');
    expect(settings.readSetting('remoteKeys', settings.isRecord, {})).toEqual({});
    settings.writeSetting('backend', { kind: 'remote' });
    settings.writeSetting('activeConversation', 'c1');
    expect([...storage.items.keys()]).toEqual(['qwen-local.remote-keys']);
    // Settings that are not the user's data work as in the full app.
    settings.writeSetting('theme', 'light');
    expect(settings.readSetting('theme', isTheme, 'system')).toBe('light');
  });
});
