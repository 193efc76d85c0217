// The languages, their dictionaries, the browser's preference and placeholder filling: the
// plain parts of i18n, apart from the reactive state in i18n.svelte.ts.
import { en, type Messages } from './en.ts';
import { zh } from './zh.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly { id: Locale; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'zh-CN', name: '简体中文' },
];
export const DICTIONARIES: Record<Locale, Messages> = { en, 'zh-CN': zh };

/** The first of the browser's languages we have; English otherwise. */
export function browserLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

export function format(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
