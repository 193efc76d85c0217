// Shown: a pattern's byte DFA accepts a string exactly when `new RegExp(pattern, 'u').test` does,
// for every construct the compiler takes, on random strings (ASCII, non-ASCII, astral characters,
// line terminators) and on random walks through the DFA itself; and what it cannot do exactly is
// refused with a SchemaError naming `pattern`.
import { describe, expect, it } from 'vitest';
import { patternDfa, regexDfa } from '../../../workers/grammar/regex.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { SchemaError } from '../../../workers/grammar/schema-error.ts';
import { Random } from '../../../workers/generation/random.ts';
import { randomText, sampleAccepted } from './regex-sampling.ts';


/** [pattern, extra characters the random strings should use]. */
const PATTERNS: [string, string][] = [
  ['abc', 'abc'],
  ['^abc$', 'abc'],
  ['^a|b$', 'ab'],
  ['(^|x)y', 'xy'],
  ['x($|y)', 'xy'],
  ['^$', 'a'],
  ['$^', 'a'],
  ['', 'a'],
  ['^(?:ab|a)*$', 'ab'],
  ['^(a*)*b$', 'ab'],
  ['^(?<year>\\d{4})-(?<month>\\d\\d)$', '0129-'],
  ['^\\d+$', '0123٣'],
  ['^\\D\\w\\W\\s\\S$', 'a_1 -\u00a0\u2003'],
  ['^[\\t\\n\\r\\f\\v\\0]+$', '\t\n\r\f\v\0 '],
  ['^\\x41\\u00e9\\u{1F600}\\uD83D\\uDE00$', 'Aé😀'],
  ['^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/\\^\\$\\\\$', '.*+?()[]{}|/^$\\'],
  ['^[a-z\\-_]{2,}$', 'az-_A'],
  ['^[^a-z\\d]+$', 'az09AZ'],
  ['^[\\s\\S]$', 'a\n'],
  ['^[^]$', 'a\n'],
  ['a|[]', 'ab'],
  ['^.$', 'a\n\r\u2028\u2029'],
  ['^.{2,4}$', 'ab\n'],
  ['^a{2}b{2,}c{1,3}$', 'abc'],
  ['^a*?b+?c??d{1,2}?$', 'abcd'],
  ['^\\p{Lu}\\P{L}$', 'AaÉé1'],
  ['^[\\p{N}_]+$', '1٣_a'],
  ['^\\p{Script=Greek}+$', 'αβa'],
  ['^\\cJ$', '\n'],
  ['^[a-z0-9-]+$', 'az09-'],
  ['^\\d{3}-\\d{4}$', '0123-'],
  ['^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$', '0123-()'],
  ['^[A-Z]{2}$', 'AZa'],
  ['.*\\S.*', ' \u00a0a'],
  ['^https?://', 'https:/'],
  ['^[\\u4e00-\\u9fa5]+$', '中文a'],
  ['[😀-😂]', '😀😁😃'],
  ['^(?:[a-z]+\\.)+[a-z]{2,}$', 'ab.'],
  ['^(?:0|[1-9]\\d*)(?:\\.\\d+)?$', '019.'],
  ['^[^@\\s]+@[^@\\s]+$', 'a@ '],
  ['^\\S+$', 'a \u2028\ufeff'],
];

/** Sources only the non-`u` syntax allows, read as it reads them (these differ from the `u`
 * reading in syntax only). */
const LEGACY: [string, string][] = [
  ['^a{$', 'a{'],
  ['^}]$', '}]'],
  ['^\\@\\#$', '@#'],
  ['x{1,a}', 'x{1,a}'],
];

/** Characters every random string may use besides a pattern's own. */
const BASE = 'aZ09 -_.\n\r\u2028\u2029\t"\\é中😀\u00a0';

describe('regex DFA against RegExp (u flag)', () => {
  for (const [pattern, extra, flags] of [...PATTERNS.map(([p, e]) => [p, e, 'u']), ...LEGACY.map(([p, e]) => [p, e, ''])]) {
    it(`${JSON.stringify(pattern)} /${flags}`, () => {
      const dfa = regexDfa(pattern!);
      const regex = new RegExp(pattern!, flags);
      const random = new Random(pattern!.length * 7919 + 1);
      const alphabet = [...new Set([...extra!, ...extra!, ...BASE])];
      for (let i = 0; i < 3000; i++) {
        const text = randomText(random, alphabet, 10);
        expect(dfa.acceptsText(text), JSON.stringify(text)).toBe(regex.test(text));
      }
      for (let i = 0; i < 300; i++) {
        const text = sampleAccepted(dfa, random);
        expect(regex.test(text), JSON.stringify(text)).toBe(true);
      }
    });
  }

  it('gives object nodes an automaton for property names, or a SchemaError under their keyword', () => {
    const names = patternDfa('^x-', '/patternProperties', 'patternProperties');
    expect([names.acceptsText('x-a'), names.acceptsText('x-'), names.acceptsText('a-x-')]).toEqual([true, true, false]);
    expect(() => compileSchema({ type: 'string', pattern: 7 })).toThrow(SchemaError);
    expect(() => patternDfa('(?=x)', '/patternProperties', 'patternProperties')).toThrow(/keyword "patternProperties" at \/patternProperties/);
  });

  it('is minimal and shared per source', () => {
    expect(regexDfa('^[a-z]+$').size).toBe(2);
    expect(regexDfa('^[a-z]+$')).toBe(regexDfa('^[a-z]+$'));
  });
});

describe('refused patterns', () => {
  const REFUSED: [string, RegExp][] = [
    ['(?=a)', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['\\bword\\b', /word boundaries/],
    ['\\p{NoSuchProperty}', /Unicode property/],
    ['*a', /nothing to repeat/],
    ['a**', /nothing to repeat/],
    ['a{3,2}', /out of order/],
    ['[z-a]', /out of order/],
    ['[\\d-z]', /class escape cannot bound/],
    ['(a', /unterminated group/],
    ['a)', /unbalanced/],
    ['\\q', /unknown escape/],
    ['\\uD800', /lone surrogate/],
    ['[]', /matches no string/],
    ['a^b', /matches no string/],
    ['(?i:a)', /not supported/],
    ['.{6000}', /more than 5000/],
  ];
  for (const [pattern, message] of REFUSED) {
    it(JSON.stringify(pattern), () => {
      expect(() => patternDfa(pattern, '/x/pattern')).toThrow(SchemaError);
      expect(() => patternDfa(pattern, '/x/pattern')).toThrow(message);
    });
  }
});
