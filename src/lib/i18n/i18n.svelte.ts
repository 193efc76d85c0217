// The UI language: zh-CN or en, first from the saved choice, else from the browser, switchable
// at run time. `t` reads the reactive locale, so every string re-renders on a switch.
import { en, type MessageKey, type Messages } from './en.ts';
import { zh } from './zh.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly { id: Locale; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'zh-CN', name: '简体中文' },
];
export const DICTIONARIES: Record<Locale, Messages> = { en, 'zh-CN': zh };

const KEY = 'qwen-local.locale';

export function browserLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

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

export function format(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

document.documentElement.lang = state.locale;
