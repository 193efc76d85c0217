// Both dictionaries say the same things: the same keys (also a type error), the same
// placeholders in each string, Chinese text in every Chinese string that has words, and a
// message for every error code (workers/protocol/errors.ts).
import { describe, expect, it } from 'vitest';
import { en } from '../../src/lib/i18n/en.ts';
import { browserLocale, format } from '../../src/lib/i18n/locale.ts';
import { zh } from '../../src/lib/i18n/zh.ts';
import { ERROR_CODES } from '../../workers/protocol/errors.ts';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('dictionaries', () => {
  it('have the same keys and placeholders', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
  });

  it('translate every string that has words', () => {
    // Strings of placeholders and symbols only may read the same in both.
    const words = (key: keyof typeof en): boolean => /[a-z]{3,}/i.test(en[key].replace(/\{\w+\}/g, ''));
    const untranslated = (Object.keys(en) as (keyof typeof en)[]).filter((key) => words(key) && !/[\u3400-\u9fff]/.test(zh[key]));
    expect(untranslated).toEqual([]);
  });

  it('explain every error code the engine and a remote server can give', () => {
    expect(ERROR_CODES.filter((code) => !(`error.${code}` in en))).toEqual([]);
  });
});

describe('browserLocale', () => {
  it('takes the first language we have', () => {
    expect(browserLocale(['zh-TW', 'en'])).toBe('zh-CN');
    expect(browserLocale(['fr', 'en-GB', 'zh-CN'])).toBe('en');
    expect(browserLocale(['fr', 'de'])).toBe('en');
    expect(browserLocale(['ZH'])).toBe('zh-CN');
  });
});

describe('format', () => {
  it('fills the placeholders it has values for', () => {
    expect(format('{done} of {total}', { done: 1, total: '2 MB' })).toBe('1 of 2 MB');
    expect(format('use {repo} and {file}', {})).toBe('use {repo} and {file}');
  });
});
