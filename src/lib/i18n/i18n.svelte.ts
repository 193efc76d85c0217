// The UI language: zh-CN or en, first from the saved choice, else from the browser, switchable
// at run time. `t` reads the reactive locale, so every string re-renders on a switch.
import type { MessageKey } from './en.ts';
import { DICTIONARIES, browserLocale, format, type Locale } from './locale.ts';

export { LOCALES, type Locale } from './locale.ts';

const KEY = 'qwen-local.locale';

function initialLocale(): Locale {
  const saved = localStorage.getItem(KEY);
  return saved === 'en' || saved === 'zh-CN' ? saved : browserLocale(navigator.languages);
}

const state = $state({ locale: initialLocale() });

export function locale(): Locale {
  return state.locale;
}

export function setLocale(next: Locale): void {
  state.locale = next;
  localStorage.setItem(KEY, next);
  document.documentElement.lang = next;
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return format(DICTIONARIES[state.locale][key], params);
}

document.documentElement.lang = state.locale;
