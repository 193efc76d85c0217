// Shown: the mask (trie walk plus the precomputed string classes) allows exactly the tokens a
// brute-force check allows: for every state below and a sizeable subset of Qwen2.5's tokens
// (every token that is not plain string text, and every 11th of the rest), a token is allowed
// if and only if its bytes keep the output a valid prefix and, with a tight budget, leave a
// closing that fits in the tokens after it. Plus the per-vocabulary index is built once.
import { describe, expect, it } from 'vitest';
import { MaskComputer } from '../../../workers/grammar/mask.ts';
import { advanceBytes, closingCost, initialState, isComplete, type MatchState } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { plainStringChars } from '../../../workers/grammar/string.ts';
import { tokenIndexFor } from '../../../workers/grammar/token-index.ts';
import { vocabularyFromTokenBytes } from '../../../workers/grammar/vocabulary.ts';
import { qwenVocabulary } from './helpers.ts';

const vocab = qwenVocabulary();
const utf8 = (text: string): number[] => [...new TextEncoder().encode(text)];

const SUBSET = vocab.tokenBytes.flatMap((bytes, id) => (id % 11 === 0 || bytes === undefined || plainStringChars(bytes) < 0 ? [id] : []));

const weather = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    date: { type: 'string', format: 'date' },
    temperature: { type: 'number', minimum: -90, maximum: 60 },
    condition: { enum: ['sunny', 'snow', 'storm'] },
  },
  required: ['city', 'date', 'temperature', 'condition'],
  additionalProperties: false,
};

/** [schema, the bytes so far]. */
const STATES: [Record<string, unknown>, number[]][] = [
  [{ type: 'object' }, utf8('')],
  [{ type: 'object' }, utf8('{')],
  [{ type: 'object' }, utf8('{"a":')],
  [{ type: 'object' }, utf8('{"a":"x')],
  [{ type: 'object' }, utf8('{"a":"x\\')],
  [{ type: 'object' }, [...utf8('{"a":"x'), 0xe9]],
  [{ type: 'object' }, utf8('{"a":1')],
  [{ type: 'object' }, utf8('{"a":[')],
  [{ type: 'object' }, utf8('{"a":{"b":tr')],
  [weather, utf8('{"city":"Par')],
  [weather, utf8('{"city":"Paris","date":"2024-0')],
  [weather, utf8('{"city":"P","date":"2024-02-2')],
  [weather, utf8('{"city":"P","date":"2024-01-01","temperature":-1')],
  [weather, utf8('{"city":"P","date":"2024-01-01","temperature":5,"condition":"s')],
  [{ type: 'string', format: 'email' }, utf8('"ab')],
  [{ type: 'string', format: 'email', maxLength: 9 }, utf8('"ab@c')],
  [{ type: 'string', format: 'uuid' }, utf8('"c0ffee')],
  [{ type: 'string', maxLength: 5 }, utf8('"abc')],
  [{ type: 'string', minLength: 6, maxLength: 40 }, utf8('"a')],
  [{ type: 'string', minLength: 2, maxLength: 3 }, utf8('"a')],
  [{ type: 'array', items: { type: 'string', minLength: 2 } }, utf8('["ab","c')],
  [{ type: 'object', properties: { 'été': { type: 'integer' }, ete: { type: 'string' } } }, utf8('{"')],
  [{ type: 'object', properties: { id: { type: 'integer' } } }, utf8('{"id')],
  [{ type: 'object', properties: { ab: { type: 'integer' } }, patternProperties: { '^x': { type: 'integer' } }, additionalProperties: { type: 'string', minLength: 4 } }, utf8('{"a')],
  [{ type: 'object', properties: { ab: { type: 'integer' } }, patternProperties: { '^x': { type: 'integer' } }, additionalProperties: { type: 'string', minLength: 4 } }, utf8('{"x')],
  [{ type: 'object', properties: { 'été': { type: 'integer' }, ete: { type: 'string' } } }, [...utf8('{"'), 0xc3]],
  [{ type: 'object', properties: { n: { type: 'integer' }, name: { type: 'string' }, names: { type: 'array' } }, required: ['names'], additionalProperties: false }, utf8('{"n')],
  [{ type: 'integer', minimum: 100, maximum: 250 }, utf8('1')],
  [{ type: 'array', items: { enum: ['a', 'ab', 'b'] }, minItems: 2 }, utf8('["a')],
  [{ type: 'string', pattern: '^[a-z0-9-]+$' }, utf8('"ab')],
  [{ type: 'string', pattern: '^\\d{3}-\\d{4}$' }, utf8('"12')],
  [{ type: 'string', pattern: '.*\\S.*', minLength: 3, maxLength: 10 }, utf8('"a ')],
  [{ type: 'string', pattern: '.*' }, utf8('"x')],
  [{ type: 'string', pattern: '^\\p{L}+$', maxLength: 6 }, [...utf8('"é'), 0xe4]],
  [{ type: 'string', pattern: '^a"b$' }, utf8('"a')],
  [{ type: 'string', pattern: '^a"b$' }, utf8('"a\\')],
  [{ type: 'string', pattern: '^(?:aa)+$', minLength: 3, maxLength: 9 }, utf8('"aa')],
  [{ type: 'string', format: 'uri' }, utf8('"https://ex')],
  [{ type: 'string', format: 'hostname', maxLength: 20 }, utf8('"example.')],
  [{ type: 'string', format: 'date-time' }, utf8('"2024-02-2')],
  [{ type: 'string', format: 'ipv6' }, utf8('"fe80::')],
];

function bruteForce(state: MatchState, left: number): Set<number> {
  const allowed = new Set<number>();
  for (const id of SUBSET) {
    const bytes = vocab.tokenBytes[id];
    if (bytes === undefined || left <= 0) continue;
    const after = advanceBytes(state, bytes);
    if (after.length > 0 && (isComplete(after) || closingCost(after) <= left - 1)) allowed.add(id);
  }
  return allowed;
}

function popCount(word: number): number {
  let count = 0;
  for (let bits = word; bits !== 0; bits &= bits - 1) count++;
  return count;
}

function maskedSubset(mask: Uint32Array): Set<number> {
  return new Set(SUBSET.filter((id) => (mask[id >>> 5]! >>> (id & 31)) & 1));
}

describe('mask', () => {
  const index = tokenIndexFor(vocab);
  const masks = new MaskComputer(index);

  it('checks a subset covering every token that is not plain text', () => {
    expect(SUBSET.length).toBeGreaterThan(15_000);
  });

  for (const [schema, prefix] of STATES) {
    const label = `${JSON.stringify(schema).slice(0, 50)} after ${JSON.stringify(new TextDecoder().decode(Uint8Array.from(prefix)))}`;
    it(label, () => {
      const state = advanceBytes(initialState(compileSchema(schema).root), prefix);
      expect(state.length).toBeGreaterThan(0);
      const cost = closingCost(state);
      for (const left of [1000, cost + 2, cost + 1, cost]) {
        const expected = bruteForce(state, left);
        const mask = masks.compute(state, left);
        const actual = maskedSubset(mask);
        expect([...actual].filter((id) => !expected.has(id)), `allowed wrongly, ${left} left`).toEqual([]);
        expect([...expected].filter((id) => !actual.has(id)), `masked wrongly, ${left} left`).toEqual([]);
        if (left === 1000) {
          const allowed = mask.reduce((count, word) => count + popCount(word), 0);
          expect(allowed).toBeGreaterThan(0);
          expect(allowed).toBeLessThan(vocab.size);
        }
      }
    });
  }

  it('reuses a walk along a string only while it still holds', () => {
    // Steps inside one string walk alike (the memo); a tighter budget or another string must not reuse it.
    const object = initialState(compileSchema({ type: 'object', additionalProperties: { type: 'string', minLength: 2 } }).root);
    const steps: [string, number][] = [
      ['{"k":"a', 1000],
      ['{"k":"ab', 1000],
      ['{"k":"abc', 1000],
      ['{"k":"abcd', 3],
      ['{"k":"abcde', 1000],
      ['{"k":"ab","j":"b', 1000],
      ['{"k":"ab","j":"bc', 1000],
      ['{"k":"ab","j":"bcd', 5],
    ];
    for (const [prefix, left] of steps) {
      const state = advanceBytes(object, utf8(prefix));
      const actual = maskedSubset(masks.compute(state, left));
      const expected = bruteForce(state, left);
      expect([...actual].filter((id) => !expected.has(id)), `${prefix}, ${left} left`).toEqual([]);
      expect([...expected].filter((id) => !actual.has(id)), `${prefix}, ${left} left`).toEqual([]);
    }
  });

  it('keeps the walks of two pattern strings with the same state number and what follows apart', () => {
    const union = initialState(compileSchema({ anyOf: [{ type: 'string', pattern: '^[a-z0-9-]+$' }, { type: 'string', pattern: '^a"b$' }] }).root);
    const fresh = new MaskComputer(index);
    for (const prefix of ['"ab', '"a', '"ab-', '"a']) {
      const state = advanceBytes(union, utf8(prefix));
      const actual = maskedSubset(fresh.compute(state, 1000));
      const expected = bruteForce(state, 1000);
      expect([...actual].filter((id) => !expected.has(id)), prefix).toEqual([]);
      expect([...expected].filter((id) => !actual.has(id)), prefix).toEqual([]);
    }
  });

  it('builds the vocabulary index once per vocabulary object', () => {
    expect(tokenIndexFor(vocab)).toBe(index);
    const other = vocabularyFromTokenBytes([Uint8Array.of(0x7b)], 2);
    expect(tokenIndexFor(other)).toBe(tokenIndexFor(other));
    expect(tokenIndexFor(other)).not.toBe(index);
  });
});
