// Shown: a schema the grammar can't enforce, or an invalid one, is refused up front with a
// SchemaError naming the keyword and its JSON Pointer, never half-enforced; and annotation
// keywords are let through.
import { describe, expect, it } from 'vitest';
import { accepts } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { SchemaError } from '../../../workers/grammar/schema-error.ts';

/** [schema, keyword, path, a phrase of the message]. */
const REFUSED: [unknown, string, string, RegExp][] = [
  // Unsupported keywords, at the root and deep inside.
  [{ type: 'string', pattern: '^(?=a)' }, 'pattern', '/pattern', /lookarounds are not supported/],
  [{ type: 'object', properties: { zip: { type: 'string', pattern: '(\\d)\\1' } } }, 'pattern', '/properties/zip/pattern', /backreferences are not supported/],
  [{ type: 'string', pattern: '\\bword' }, 'pattern', '/pattern', /word boundaries/],
  [{ type: 'string', pattern: '[' }, 'pattern', '/pattern', /unterminated character class/],
  [{ type: 'string', pattern: '[a-z]{3000}[0-9]{3000}' }, 'pattern', '/pattern', /more than 5000 automaton states/],
  [{ type: 'string', pattern: '^a$', maxLength: 0 }, 'maxLength', '/maxLength', /no string meets/],
  [{ type: 'string', format: 'uuid', pattern: '^x' }, 'pattern', '/pattern', /too large to enforce \(the pattern matches no string\)/],
  [{ type: 'object', patternProperties: { '^x': {}, '^y': {} } }, 'patternProperties', '/patternProperties', /more than one pattern/],
  [{ if: { type: 'string' }, then: { minLength: 1 } }, 'if', '/if', /not supported/],
  [{ type: 'object', dependentRequired: { a: ['b'] } }, 'dependentRequired', '/dependentRequired', /not supported/],
  [{ type: 'number', multipleOf: 5 }, 'multipleOf', '/multipleOf', /not supported/],
  [{ type: 'array', uniqueItems: true }, 'uniqueItems', '/uniqueItems', /not supported/],
  [{ type: 'object', minProperties: 1 }, 'minProperties', '/minProperties', /not supported/],
  [{ type: 'object', propertyNames: { maxLength: 3 } }, 'propertyNames', '/propertyNames', /not supported/],
  [{ type: 'array', contains: { type: 'integer' } }, 'contains', '/contains', /not supported/],
  [{ type: 'object', unevaluatedProperties: false }, 'unevaluatedProperties', '/unevaluatedProperties', /not supported/],
  [{ $defs: { a: { type: 'string', pattern: '(?<!x)' } }, properties: { p: { $ref: '#/$defs/a' } } }, 'pattern', '/$defs/a/pattern', /lookarounds/],
  [{ type: 'string', format: 'iri' }, 'format', '/format', /format "iri" is not supported/],
  [{ type: 'array', items: [{ type: 'string' }], prefixItems: [] }, 'items', '/items', /next to prefixItems/],
  [{ type: 'integer', exclusiveMinimum: 'yes' }, 'exclusiveMinimum', '/exclusiveMinimum', /finite number or a boolean/],
  [{ not: { type: 'integer' } }, 'not', '/not', /not supported/],
  [{ not: { minimum: 3 } }, 'not', '/not', /not supported/],
  [{ allOf: [{ type: 'string', format: 'date' }, { format: 'email' }] }, 'allOf', '/allOf', /two different "format" values/],
  [{ type: 'object', anyOf: [{ required: ['a'] }], oneOf: [{ required: ['b'] }] }, 'oneOf', '/oneOf', /side by side/],
  [{ $defs: { a: { allOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' }, 'allOf', '/$defs/a/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0/$ref/allOf/0', /nest too deeply/],
  [{ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 'oneOf', '/oneOf', /may both match/],
  [{ oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', required: ['b'] }] }, 'oneOf', '/oneOf', /may both match/],
  // Both accept strings: without a type, "required" says nothing about them.
  [{ oneOf: [{ required: ['a'] }, { properties: { b: {} }, additionalProperties: false }] }, 'oneOf', '/oneOf', /may both match/],
  [{ type: 'string', format: 'date', maxLength: 8 }, 'maxLength', '/maxLength', /no string meets/],
  [{ type: 'string', format: 'uuid', minLength: 46 }, 'minLength', '/minLength', /no string meets/],
  // Invalid schemas.
  [{ type: 'text' }, 'type', '/type', /unknown type "text"/],
  [{ type: [] }, 'type', '/type', /empty/],
  [{ type: ['string', 'string'] }, 'type', '/type', /twice/],
  [{ enum: [] }, 'enum', '/enum', /non-empty array/],
  // No enum value meets the other keywords: nothing is left for the document.
  [{ type: 'string', enum: [1, 2] }, 'schema', '', /no value meets/],
  [{ const: 'a', enum: ['b'] }, 'schema', '', /no value meets/],
  [{ type: 'string', minLength: 5, maxLength: 2 }, 'minLength', '/minLength', /above maxLength/],
  [{ type: 'string', maxLength: -1 }, 'maxLength', '/maxLength', /non-negative integer/],
  [{ type: 'array', minItems: 3, maxItems: 1 }, 'minItems', '/minItems', /above maxItems/],
  [{ type: 'array', minItems: 1.5 }, 'minItems', '/minItems', /non-negative integer/],
  [{ type: 'integer', minimum: 5, maximum: 4 }, 'minimum', '/minimum', /no integer/],
  [{ type: 'integer', exclusiveMinimum: 1, exclusiveMaximum: 2 }, 'exclusiveMinimum', '/exclusiveMinimum', /no integer/],
  [{ type: 'number', minimum: 1e20 }, 'minimum', '/minimum', /at most 15 digits/],
  [{ type: 'object', properties: { a: {} }, required: ['b'], additionalProperties: false }, 'required', '/required', /"b" is not in properties/],
  [{ type: 'object', required: 'a' }, 'required', '/required', /array of property names/],
  [{ type: 'object', required: ['a', 'a'] }, 'required', '/required', /twice/],
  [{ type: 'object', properties: { a: false }, required: ['a'] }, 'required', '/required', /schema false/],
  [{ type: 'object', properties: [] }, 'properties', '/properties', /object of schemas/],
  [{ type: 'object', properties: { a: 5 } }, 'properties', '/properties/a', /object or a boolean/],
  [{ $ref: '#/$defs/missing' }, '$ref', '/$ref', /cannot resolve/],
  [{ $ref: 'https://example.com/schema.json' }, '$ref', '/$ref', /only references within the schema/],
  [{ $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/a' } } }, '$ref', '/$defs/a/$ref', /only back to itself/],
  [{ $defs: [] }, '$defs', '/$defs', /object of schemas/],
  [{ anyOf: [] }, 'anyOf', '/anyOf', /non-empty array/],
  [
    { $defs: { loop: { type: 'object', properties: { next: { $ref: '#/$defs/loop' } }, required: ['next'] } }, $ref: '#/$defs/loop' },
    'schema',
    '',
    /no finite JSON document/,
  ],
  [false, 'schema', '', /admits no value/],
  ['string', 'schema', '', /object or a boolean/],
];

describe('refused schemas', () => {
  for (const [schema, keyword, path, message] of REFUSED) {
    it(`${keyword} at "${path}": ${JSON.stringify(schema).slice(0, 70)}`, () => {
      let error: unknown;
      try {
        compileSchema(schema);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SchemaError);
      const { keyword: named, path: at, message: text } = error as SchemaError;
      expect({ keyword: named, path: at }).toEqual({ keyword, path });
      expect(text).toMatch(message);
      expect(text).toContain(`"${keyword}"`);
    });
  }
});

describe('accepted schemas', () => {
  it('ignores annotations and unknown keywords, as the specification says', () => {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'x', title: 't', description: 'd', $comment: 'c', default: 1, examples: [1], deprecated: false, readOnly: true, writeOnly: false, type: 'integer' };
    expect(() => compileSchema(schema)).not.toThrow();
    // draft-04's id, OpenAPI's nullable (which JSON Schema does not know: null stays refused), vendor keys
    const unknown = { id: 'http://x', self: { vendor: 'v' }, nullable: true, _uniqueItems: true, 'x-kubernetes-group-version-kind': [], type: 'string' };
    const { root } = compileSchema(unknown);
    expect(accepts(root, new TextEncoder().encode('"a"'))).toBe(true);
    expect(accepts(root, new TextEncoder().encode('null'))).toBe(false);
  });

  it('accepts oneOf alternatives that provably exclude each other', () => {
    for (const oneOf of [
      [{ type: 'string' }, { type: 'integer' }],
      [{ const: 'a' }, { enum: ['b', 'c'] }],
      [
        { type: 'object', properties: { kind: { const: 'x' } }, required: ['kind'] },
        { type: 'object', properties: { kind: { const: 'y' } }, required: ['kind'] },
      ],
      [{ type: 'object', properties: { a: {} }, required: ['a'] }, { type: 'object', properties: { b: {} }, additionalProperties: false }],
    ]) {
      expect(() => compileSchema({ oneOf }), JSON.stringify(oneOf)).not.toThrow();
    }
  });
});
