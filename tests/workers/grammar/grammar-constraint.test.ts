// Shown: the constraint as the engine meets it: null for plain text; masks to -Infinity and
// lets end-of-sequence through only once the document is complete; follows
// context.generatedTokens or explicit accept() calls; refuses tokens the grammar rules out;
// refuses a max_tokens below the smallest document up front and otherwise steers the document
// shut in time; and validateResponseFormat reports shape and schema problems.
import { describe, expect, it } from 'vitest';
import { createGrammarConstraint, minimalDocumentTokens } from '../../../workers/grammar/grammar-constraint.ts';
import type { ResponseFormat } from '../../../workers/protocol/response-format.ts';
import { validateResponseFormat } from '../../../workers/grammar/response-format.ts';
import { SchemaError } from '../../../workers/grammar/schema-error.ts';
import { decodeTokens, EOS_IDS, QWEN_LOGITS, qwenVocabulary } from './helpers.ts';

const vocab = qwenVocabulary();
const jsonObject: ResponseFormat = { type: 'json_object' };
const withSchema = (schema: Record<string, unknown>): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 'test', schema } });
const person = withSchema({
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0, maximum: 150 } },
  required: ['name', 'age'],
  additionalProperties: false,
});

/** The id of the token spelling `text` exactly. */
function tokenOf(text: string): number {
  const bytes = new TextEncoder().encode(text).join();
  const id = vocab.tokenBytes.findIndex((token) => token !== undefined && token.join() === bytes);
  if (id < 0) throw new Error(`no token ${text}`);
  return id;
}

function allowedIds(logits: Float32Array): number[] {
  return [...logits.keys()].filter((id) => logits[id]! > -Infinity);
}

describe('createGrammarConstraint', () => {
  it('returns null for plain text', () => {
    expect(createGrammarConstraint({ type: 'text' }, vocab, { maxTokens: 10, eosTokenIds: EOS_IDS })).toBeNull();
  });

  it('masks everything but the valid continuations, end of sequence only at the end', () => {
    const constraint = createGrammarConstraint(jsonObject, vocab, { maxTokens: 100, eosTokenIds: EOS_IDS })!;
    const generatedTokens: number[] = [];
    const step = (): number[] => {
      const logits = new Float32Array(QWEN_LOGITS);
      constraint.apply(logits, { promptTokens: [], generatedTokens });
      return allowedIds(logits);
    };
    const first = step();
    expect(first).toContain(tokenOf('{'));
    expect(first).toContain(tokenOf('{"'));
    expect(first).toContain(tokenOf('{}'));
    expect(first).not.toContain(tokenOf('['));
    expect(first).not.toContain(tokenOf(' {'));
    expect(first.some((id) => EOS_IDS.includes(id) || id >= 151_643)).toBe(false);
    generatedTokens.push(tokenOf('{"'), tokenOf('a'), tokenOf('":'), tokenOf('1'));
    expect(step()).not.toContain(EOS_IDS[0]);
    expect(constraint.isComplete()).toBe(false);
    expect(constraint.allowedEos).toEqual([]);
    generatedTokens.push(tokenOf('}'));
    expect(step()).toEqual(EOS_IDS.toSorted((a, b) => a - b));
    expect(constraint.isComplete()).toBe(true);
    expect(constraint.allowedEos).toEqual(EOS_IDS);
    constraint.accept(EOS_IDS[0]!);
    expect(() => constraint.allowedTokens()).toThrow(/already ended/);
  });

  it('lets a complete top-level number end or go on', () => {
    const constraint = createGrammarConstraint(withSchema({ type: 'integer' }), vocab, { maxTokens: 20, eosTokenIds: EOS_IDS })!;
    constraint.accept(tokenOf('4'));
    const logits = new Float32Array(QWEN_LOGITS);
    constraint.apply(logits, { promptTokens: [], generatedTokens: [tokenOf('4')] });
    expect(allowedIds(logits)).toEqual([...'0123456789'].map(tokenOf).concat(EOS_IDS).toSorted((a, b) => a - b));
  });

  it('refuses a token the grammar rules out, and an early end of sequence', () => {
    const constraint = createGrammarConstraint(person, vocab, { maxTokens: 50, eosTokenIds: EOS_IDS })!;
    expect(() => constraint.accept(tokenOf('['))).toThrow(/does not continue/);
    expect(() => constraint.accept(EOS_IDS[0]!)).toThrow(/before the document was complete/);
    expect(() => constraint.accept(151_700)).toThrow(/does not continue/); // a padding id
    constraint.accept(tokenOf('{"'));
    expect(() => constraint.accept(tokenOf('email'))).toThrow(/does not continue/); // not a listed key
    constraint.accept(tokenOf('age')); // keys in any order
  });

  it('refuses a context that does not continue what it accepted', () => {
    const constraint = createGrammarConstraint(jsonObject, vocab, { maxTokens: 50, eosTokenIds: EOS_IDS })!;
    constraint.accept(tokenOf('{"'));
    const logits = new Float32Array(QWEN_LOGITS);
    expect(() => constraint.apply(logits, { promptTokens: [], generatedTokens: [] })).toThrow(/does not continue/);
    expect(() => constraint.apply(logits, { promptTokens: [], generatedTokens: [tokenOf('{')] })).toThrow(/does not continue/);
    expect(() => constraint.apply(new Float32Array(10), { promptTokens: [], generatedTokens: [tokenOf('{"')] })).toThrow(RangeError);
  });

  it('throws SchemaError for a schema it cannot enforce', () => {
    expect(() => createGrammarConstraint(withSchema({ type: 'string', pattern: '(?=x)' }), vocab, { maxTokens: 10, eosTokenIds: EOS_IDS })).toThrow(SchemaError);
  });
});

describe('token budget', () => {
  it('counts the tokens of the smallest document', () => {
    expect(minimalDocumentTokens(jsonObject, vocab)).toBe(1); // '{}'
    expect(minimalDocumentTokens({ type: 'text' }, vocab)).toBe(0);
    const least = minimalDocumentTokens(person, vocab);
    expect(least).toBeGreaterThan(3);
    expect(least).toBeLessThan('{"name":"","age":0}'.length);
  });

  it('refuses a max_tokens below the smallest document plus end of sequence', () => {
    const least = minimalDocumentTokens(person, vocab);
    const options = (maxTokens: number) => ({ maxTokens, eosTokenIds: EOS_IDS });
    expect(() => createGrammarConstraint(person, vocab, options(least))).toThrow(/max_tokens \d+ is too small.*"name"/);
    expect(() => createGrammarConstraint(person, vocab, options(least + 1))).not.toThrow();
    expect(() => createGrammarConstraint(jsonObject, vocab, options(1))).toThrow(RangeError);
  });

  it('steers into the shortest closing when the budget runs out', () => {
    // Only a string's content was chosen: the closing must still fit.
    for (const maxTokens of [8, 12, 20]) {
      const constraint = createGrammarConstraint(jsonObject, vocab, { maxTokens, eosTokenIds: EOS_IDS })!;
      const generatedTokens: number[] = [];
      const prefer = [tokenOf('{"'), tokenOf('key'), tokenOf('":"'), tokenOf(' long'), tokenOf(' value')];
      for (;;) {
        const logits = new Float32Array(QWEN_LOGITS);
        constraint.apply(logits, { promptTokens: [], generatedTokens });
        const allowed = allowedIds(logits);
        const token = prefer.find((id) => allowed.includes(id)) ?? allowed[0]!;
        if (EOS_IDS.includes(token)) break;
        generatedTokens.push(token);
        expect(generatedTokens.length).toBeLessThan(maxTokens);
      }
      expect(JSON.parse(decodeTokens(generatedTokens))).toBeTypeOf('object');
    }
  });
});

describe('validateResponseFormat', () => {
  it('accepts well-formed formats', () => {
    expect(validateResponseFormat({ type: 'text' })).toEqual([]);
    expect(validateResponseFormat({ type: 'json_object' })).toEqual([]);
    expect(validateResponseFormat({ type: 'json_schema', json_schema: { name: 'a_b-1', schema: { type: 'object' }, strict: true } })).toEqual([]);
    expect(validateResponseFormat({ type: 'json_schema', json_schema: { name: 'x', strict: null, description: 'd' } })).toEqual([]);
  });

  it('reports each problem', () => {
    expect(validateResponseFormat('json')).toEqual(['response_format must be an object']);
    expect(validateResponseFormat({ type: 'xml' })[0]).toMatch(/response_format.type must be/);
    expect(validateResponseFormat({ type: 'json_schema' })).toEqual(['response_format.json_schema must be an object']);
    const problems = validateResponseFormat({ type: 'json_schema', json_schema: { name: 'has space', strict: 'yes', schema: { type: 'string', pattern: '(?=x)' } } });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/name/);
    expect(problems[1]).toMatch(/strict/);
    expect(problems[2]).toMatch(/keyword "pattern" at \/pattern/);
  });
});
