// Shown: the byte-level automaton accepts exactly the compact documents each keyword allows
// (a table of accepted and rejected texts per keyword), never reaches a dead end (from every
// prefix of an accepted text, its shortest closing finishes the document and is as long as the
// cost says), and handles characters split across tokens.
import { describe, expect, it } from 'vitest';
import { accepts, advanceBytes, closingBytes, closingCost, initialState, isComplete } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { validationProblem } from './helpers.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Case {
  keyword: string;
  schema: Record<string, unknown>;
  accept: string[];
  reject: string[];
  /** For a draft-4 form, which ajv (2020-12) does not read: the same schema in 2020-12's words. */
  asIn2020?: Record<string, unknown>;
}

const CASES: Case[] = [
  { keyword: 'type string', schema: { type: 'string' }, accept: ['""', '"a b"', '"é日本🎉"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"'], reject: ['"a', 'a', '"\u0001"', '"\\x"', '"\\u0041"', '"a" '] },
  { keyword: 'type integer', schema: { type: 'integer' }, accept: ['0', '-7', '123456789012345'], reject: ['01', '1.0', '1e3', '-', '1234567890123456', '+1'] },
  { keyword: 'type number', schema: { type: 'number' }, accept: ['0', '-0.5', '3.25', '1e5', '2.5E-07', '1e+99'], reject: ['.5', '1.', '1e', '1e100', '00', '- 1', 'NaN'] },
  { keyword: 'type boolean/null', schema: { type: ['boolean', 'null'] }, accept: ['true', 'false', 'null'], reject: ['True', 'nul', '0', '""'] },
  { keyword: 'type array', schema: { type: 'array' }, accept: ['[]', '[1,"a",[null],{}]'], reject: ['[', '[1,]', '[,1]', '[1 ,2]', '{}'] },
  { keyword: 'type object', schema: { type: 'object' }, accept: ['{}', '{"a":1,"b":{"c":[true]}}', '{"":""}'], reject: ['{"a"}', '{"a":1,}', '{a:1}', '{ }', '[]'] },
  {
    keyword: 'properties + required',
    schema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' }, c: { type: 'boolean' } }, required: ['b'], additionalProperties: false },
    accept: ['{"b":""}', '{"a":1,"b":"x"}', '{"a":1,"b":"x","c":true}', '{"b":"x","c":false}', '{"b":"x","a":1}', '{"c":true,"b":"x","a":1}'],
    reject: ['{}', '{"a":1}', '{"c":true,"a":1}', '{"b":"x","d":1}', '{"b":"x","b":"y"}', '{"a":1,"b":"x","a":2}'],
  },
  {
    keyword: 'additionalProperties schema (a map)',
    schema: { type: 'object', additionalProperties: { type: 'integer' } },
    accept: ['{}', '{"x":1,"y":-2}'],
    reject: ['{"x":"1"}'],
  },
  {
    keyword: 'additionalProperties allowed next to properties',
    schema: { type: 'object', properties: { a: { type: 'integer' } } },
    // Other keys anywhere, but a listed key only with its own schema and in its place.
    accept: ['{}', '{"a":1}', '{"b":1}', '{"b":"x","a":1,"c":[]}', '{"ax":1}', '{"":null}'],
    reject: ['{"a":"x"}', '{"a":1,"a":2}', '{"\\u0061":1}', '{"a\\/":1,"a":"x"}'],
  },
  {
    keyword: 'additionalProperties: false',
    schema: { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false },
    accept: ['{}', '{"a":1}'],
    reject: ['{"b":1}', '{"a":1,"b":1}'],
  },
  {
    keyword: 'additionalProperties as a schema, with a listed name whose schema is false',
    schema: { type: 'object', properties: { a: { type: 'integer' }, no: false }, additionalProperties: { type: 'string' } },
    accept: ['{"b":"x","a":1}', '{"a":1,"n":"y"}', '{"noo":"z"}'],
    reject: ['{"b":1}', '{"no":"x"}', '{"n\\u006f":"x"}'],
  },
  { keyword: 'enum', schema: { enum: ['a', 'ab', 1, 12, null, { k: [1] }] }, accept: ['"a"', '"ab"', '1', '12', 'null', '{"k":[1]}'], reject: ['"b"', '2', '123', '{"k":[2]}'] },
  { keyword: 'const', schema: { const: 'fixed' }, accept: ['"fixed"'], reject: ['"fixe"', '"fixedd"'] },
  { keyword: 'items + minItems/maxItems', schema: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 }, accept: ['[1]', '[1,2]'], reject: ['[]', '[1,2,3]', '["a"]'] },
  {
    keyword: 'prefixItems',
    schema: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
    accept: ['[]', '["a"]', '["a",1]'],
    reject: ['[1]', '["a",1,2]'],
  },
  { keyword: 'items as a tuple (draft 4)', schema: { type: 'array', items: [{ type: 'string' }], additionalItems: false }, asIn2020: { type: 'array', prefixItems: [{ type: 'string' }], items: false }, accept: ['[]', '["a"]'], reject: ['[1]', '["a","b"]'] },
  { keyword: 'items as a tuple, additionalItems a schema', schema: { items: [{ type: 'string' }], additionalItems: { type: 'integer' } }, asIn2020: { prefixItems: [{ type: 'string' }], items: { type: 'integer' } }, accept: ['["a",1,2]'], reject: ['["a","b"]'] },
  { keyword: 'additionalItems without a tuple is ignored', schema: { type: 'array', items: { type: 'integer' }, additionalItems: false }, accept: ['[1,2]'], reject: ['["a"]'] },
  { keyword: 'boolean exclusiveMinimum/Maximum (draft 4)', schema: { type: 'integer', minimum: 1, exclusiveMinimum: true, maximum: 3, exclusiveMaximum: false }, asIn2020: { type: 'integer', exclusiveMinimum: 1, maximum: 3 }, accept: ['2', '3'], reject: ['1', '4'] },
  { keyword: 'formats no validator checks are annotations', schema: { type: 'string', format: 'path' }, accept: ['"a/b"', '""'], reject: ['1'] },
  { keyword: 'an optional property whose schema admits nothing is left out', schema: { type: 'object', properties: { a: { type: 'object', enum: ['x'] }, b: { type: 'integer' } }, additionalProperties: false }, accept: ['{"b":1}', '{}'], reject: ['{"a":"x"}'] },
  { keyword: 'allOf merged', schema: { allOf: [{ type: 'string' }, { maxLength: 2 }, { minLength: 1 }] }, accept: ['"a"', '"ab"'], reject: ['""', '"abc"', '1'] },
  { keyword: 'allOf: types intersected', schema: { allOf: [{ type: ['number', 'string'] }, { type: 'integer' }] }, accept: ['3'], reject: ['3.5', '"a"'] },
  {
    keyword: "allOf: a conjunct's additionalProperties applies to the other's properties",
    schema: { allOf: [{ properties: { a: { type: 'integer' } }, additionalProperties: false }, { properties: { b: { type: 'string' } }, required: ['a'] }] },
    accept: ['{"a":1}'],
    reject: ['{"b":"x"}', '{"a":1,"b":"x"}', '{}'],
  },
  {
    keyword: 'anyOf with keywords beside it',
    schema: { type: 'object', properties: { a: { type: 'integer' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] },
    accept: ['{"a":1}', '{"b":2}', '{"a":1,"b":null}'],
    reject: ['{}', '{"a":"x"}', '[]'],
  },
  { keyword: '$ref with keywords beside it', schema: { $ref: '#/$defs/a', maxLength: 3, $defs: { a: { type: 'string' } } }, accept: ['"abc"'], reject: ['"abcd"', '1'] },
  { keyword: 'not {} admits nothing: an optional property left out', schema: { type: 'object', properties: { a: { not: {} }, b: { type: 'null' } } }, accept: ['{"b":null}', '{}'], reject: ['{"a":1}'] },
  { keyword: 'not a type', schema: { not: { type: ['string', 'number'] } }, accept: ['true', 'null', '[]', '{}'], reject: ['"a"', '1', '1.5'] },
  { keyword: 'not required', schema: { type: 'object', not: { required: ['a', 'b'] } }, accept: ['{}', '{"a":1}', '{"b":1}'], reject: ['{"a":1,"b":2}', '[]'] },
  {
    keyword: 'patternProperties, other keys barred',
    schema: { type: 'object', patternProperties: { '^[a-z]+$': { type: 'integer' } }, additionalProperties: false },
    accept: ['{}', '{"ab":1,"c":2}'],
    reject: ['{"A":1}', '{"ab":"x"}', '{"":1}'],
  },
  {
    keyword: 'patternProperties beside properties and additionalProperties',
    schema: { type: 'object', properties: { id: { type: 'string' }, x1: { type: 'integer' } }, patternProperties: { '^x': { minimum: 0 } }, additionalProperties: { type: 'boolean' } },
    // The pattern's schema has no type: its minimum constrains numbers only.
    accept: ['{"id":"a","x1":3,"x9":5,"other":true}', '{"xa":0,"b":false}', '{"":true}', '{"xb":true}', '{"x1":4,"id":"b"}'],
    reject: ['{"x1":-1}', '{"x9":-5}', '{"other":1}', '{"xb":-0.5}', '{"id":1}'],
  },
  { keyword: 'prefixItems + items', schema: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'boolean' } }, accept: ['["a",true,false]'], reject: ['["a","b"]'] },
  { keyword: 'minLength/maxLength', schema: { type: 'string', minLength: 2, maxLength: 3 }, accept: ['"ab"', '"日本語"', '"🎉🎉"', '"\\n\\t"'], reject: ['"a"', '"abcd"', '"日本語!"'] },
  {
    keyword: 'anyOf',
    schema: { anyOf: [{ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false }, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'boolean' } }, required: ['a'], additionalProperties: false }] },
    accept: ['{"a":1}', '{"a":"x"}', '{"a":"x","b":true}'],
    reject: ['{"a":1,"b":true}', '{"b":true}'],
  },
  { keyword: 'oneOf', schema: { oneOf: [{ type: 'string' }, { type: 'integer' }] }, accept: ['"x"', '5'], reject: ['5.5', 'true'] },
  {
    keyword: '$ref/$defs recursion',
    schema: { $defs: { t: { type: 'array', items: { $ref: '#/$defs/t' }, maxItems: 2 } }, $ref: '#/$defs/t' },
    accept: ['[]', '[[],[[]]]', '[[[[]]]]'],
    reject: ['[[],[],[]]', '[1]'],
  },
  { keyword: '$ref to the root', schema: { type: 'object', properties: { next: { $ref: '#' } }, additionalProperties: false }, accept: ['{}', '{"next":{"next":{}}}'], reject: ['{"next":1}'] },
  { keyword: 'format date', schema: { type: 'string', format: 'date' }, accept: ['"2024-02-29"', '"1999-12-31"', '"2000-02-29"'], reject: ['"2023-02-29"', '"1900-02-29"', '"2024-13-01"', '"2024-04-31"', '"2024-1-01"', '"2024-00-10"'] },
  { keyword: 'format time', schema: { type: 'string', format: 'time' }, accept: ['"23:59:59Z"', '"00:00:00.123+05:30"', '"12:30:00-08:00"', '"12:00:00z"', '"12:00:00.1234567891+05:00"'], reject: ['"24:00:00Z"', '"12:60:00Z"', '"12:00:00"', '"12:00:00.Z"', '"12:00:00+24:00"', '"12:00:00+0500"'] },
  { keyword: 'format date-time', schema: { type: 'string', format: 'date-time' }, accept: ['"2024-06-01T08:15:00Z"', '"2024-06-01t08:15:00z"'], reject: ['"2024-06-01T08:15:00"', '"2024-06-01 08:15:00Z"', '"2024-06-01x08:15:00Z"'] },
  { keyword: 'format uuid', schema: { type: 'string', format: 'uuid' }, accept: ['"123e4567-e89b-12d3-a456-426614174000"', '"ABCDEF01-2345-6789-ABCD-EF0123456789"'], reject: ['"123e4567e89b12d3a456426614174000"', '"123e4567-e89b-12d3-a456-42661417400g"'] },
  { keyword: 'format email', schema: { type: 'string', format: 'email' }, accept: ['"a@b.c"', '"first.last+tag@mail.example-host.org"'], reject: ['"a@b"', '"a.@b.c"', '"a@-b.c"', '"a@b-.c"', '"@b.c"', '"a b@c.d"'] },
  { keyword: 'email + maxLength', schema: { type: 'string', format: 'email', maxLength: 7 }, accept: ['"ab@c.de"'], reject: ['"abc@d.ef"'] },
  { keyword: 'minimum/maximum (integer)', schema: { type: 'integer', minimum: -5, maximum: 120 }, accept: ['-5', '0', '99', '120'], reject: ['-6', '121', '1000', '-10'] },
  { keyword: 'exclusive bounds (integer)', schema: { type: 'integer', exclusiveMinimum: 10, exclusiveMaximum: 13 }, accept: ['11', '12'], reject: ['10', '13'] },
  { keyword: 'minimum/maximum (number)', schema: { type: 'number', minimum: 0.25, maximum: 2 }, accept: ['0.25', '1', '2', '1.999', '2.0'], reject: ['0.2', '2.0001', '0.249', '-1', '3'] },
  { keyword: 'exclusive bounds (number)', schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.1 }, accept: ['0.05', '0.099999', '0.000000000001'], reject: ['0', '0.1', '0.10', '-0', '1e-3'] },
  { keyword: 'bounds far from zero', schema: { type: 'number', minimum: 1e6 }, accept: ['1000000', '123456789.5'], reject: ['999999.99', '1e7'] },
];

describe('matcher, per keyword', () => {
  for (const { keyword, schema, accept, reject, asIn2020 } of CASES) {
    it(keyword, () => {
      const { root } = compileSchema(schema);
      for (const text of accept) {
        expect(accepts(root, utf8(text)), `accepts ${text}`).toBe(true);
        // Everything it accepts, ajv does too.
        expect(validationProblem(asIn2020 ?? schema, text), text).toBeNull();
      }
      for (const text of reject) expect(accepts(root, utf8(text)), `rejects ${text}`).toBe(false);
    });
  }
});

describe('closing', () => {
  it('finishes the document from every prefix of an accepted text, in `cost` bytes', () => {
    let prefixes = 0;
    for (const { schema, accept, asIn2020 } of CASES) {
      const { root } = compileSchema(schema);
      for (const text of accept) {
        const bytes = utf8(text);
        for (let length = 0; length <= bytes.length; length++) {
          const state = advanceBytes(initialState(root), bytes.subarray(0, length));
          const closing = closingBytes(state);
          expect(closing).toHaveLength(closingCost(state));
          const whole = [...bytes.subarray(0, length), ...closing];
          expect(isComplete(advanceBytes(state, closing)), `${text.slice(0, length)} + closing`).toBe(true);
          expect(validationProblem(asIn2020 ?? schema, new TextDecoder().decode(Uint8Array.from(whole)))).toBeNull();
          prefixes++;
        }
      }
    }
    expect(prefixes).toBeGreaterThan(500);
  });

  it('counts a character split across tokens once, and rejects a quote in its middle', () => {
    const { root } = compileSchema({ type: 'string', maxLength: 1 });
    const start = advanceBytes(initialState(root), utf8('"'));
    const half = advanceBytes(start, [0xe9, 0xbe]); // token 82912
    expect(half).not.toHaveLength(0);
    expect(advanceBytes(half, utf8('"'))).toHaveLength(0);
    expect(closingCost(half)).toBe(2); // one continuation byte, then the quote
    const whole = advanceBytes(half, [0x98]); // token 246: 龘 is complete
    expect(isComplete(advanceBytes(whole, utf8('"')))).toBe(true);
    expect(advanceBytes(whole, utf8('a'))).toHaveLength(0); // a second character is over maxLength
    expect(advanceBytes(start, [0x98])).toHaveLength(0); // a continuation byte can't start a character
  });
});
