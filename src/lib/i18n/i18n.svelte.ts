// The UI language: zh-CN or en, first from the saved choice, else from the browser, switchable
// at run time. `t` reads the reactive locale, so every string re-renders on a switch.
import { readSetting, writeSetting } from '../services/settings-store.ts';
import type { MessageKey } from './en.ts';
import { DICTIONARIES, LOCALES, browserLocale, format, type Locale } from './locale.ts';

export { LOCALES, type Locale } from './locale.ts';

function isLocale(value: unknown): value is Locale {
  return LOCALES.some(({ id }) => id === value);
}

const state = $state({ locale: readSetting('locale', isLocale, browserLocale(navigator.languages)) });

export function locale(): Locale {
  return state.locale;
}

export function setLocale(next: Locale): void {
  state.locale = next;
  writeSetting('locale', next);
  document.documentElement.lang = next;
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return format(DICTIONARIES[state.locale][key], params);
}

document.documentElement.lang = state.locale;
