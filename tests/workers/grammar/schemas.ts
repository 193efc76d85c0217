// Schemas the grammar must enforce, one of each shape structured output meets: flat and nested
// objects, arrays, enums, unions, recursion, string limits and formats, number bounds, tuples.
// Each is run through generation with random logits and its output checked by ajv.

export interface SchemaCase {
  name: string;
  schema: Record<string, unknown>;
}

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const boolean = { type: 'boolean' } as const;

function object(properties: Record<string, unknown>, required = Object.keys(properties), extra: Record<string, unknown> = {}) {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

export const SCHEMAS: readonly SchemaCase[] = [
  {
    name: 'weather query (the tutorial)',
    schema: object({
      city: string,
      date: { type: 'string', format: 'date' },
      temperature: { type: 'number', minimum: -90, maximum: 60 },
      condition: { enum: ['sunny', 'cloudy', 'rain', 'snow', 'storm'] },
    }),
  },
  { name: 'flat strings', schema: object({ first: string, last: string, title: string }) },
  { name: 'flat mixed', schema: object({ id: integer, score: number, active: boolean, note: { type: 'null' } }) },
  { name: 'all optional', schema: object({ a: string, b: integer, c: boolean }, []) },
  { name: 'optional then required', schema: object({ nickname: string, name: string, age: integer }, ['name']) },
  { name: 'keys sharing prefixes', schema: object({ n: integer, na: integer, name: string, names: { type: 'array', items: string } }, ['name']) },
  { name: 'escaped key', schema: object({ 'a "quoted" key': string, 'back\\slash': integer, 'ключ': boolean }) },
  {
    name: 'nested objects',
    schema: object({
      user: object({ name: string, address: object({ street: string, city: string, zip: { type: 'string', minLength: 5, maxLength: 5 } }) }),
      meta: object({ version: integer }, []),
    }),
  },
  { name: 'empty object only', schema: { type: 'object', additionalProperties: false } },
  { name: 'any object', schema: { type: 'object' } },
  { name: 'map of integers', schema: { type: 'object', additionalProperties: integer } },
  { name: 'map with required keys', schema: { type: 'object', required: ['id'], additionalProperties: { type: 'string', maxLength: 8 } } },
  { name: 'listed plus allowed extras', schema: { type: 'object', properties: { a: integer }, required: ['a', 'b'] } },
  { name: 'array of strings', schema: { type: 'array', items: string } },
  { name: 'array bounds', schema: { type: 'array', items: integer, minItems: 2, maxItems: 4 } },
  { name: 'exactly three booleans', schema: { type: 'array', items: boolean, minItems: 3, maxItems: 3 } },
  { name: 'empty array only', schema: { type: 'array', maxItems: 0 } },
  { name: 'array of objects', schema: { type: 'array', items: object({ sku: string, qty: { type: 'integer', minimum: 1, maximum: 99 } }), minItems: 1 } },
  { name: 'nested arrays', schema: { type: 'array', items: { type: 'array', items: number, maxItems: 3 }, maxItems: 3 } },
  { name: 'tuple', schema: { type: 'array', prefixItems: [string, integer, boolean], items: false, minItems: 3 } },
  { name: 'tuple then rest', schema: { type: 'array', prefixItems: [{ const: 'header' }, integer], items: string, minItems: 1 } },
  { name: 'string enum', schema: { enum: ['red', 'green', 'blue', 'light blue', 'blue-green'] } },
  { name: 'mixed enum', schema: { enum: ['a', 1, 2.5, true, null, [1, 2], { k: 'v' }] } },
  { name: 'typed enum filters', schema: { type: 'string', enum: ['kept', 3, 'also kept', false] } },
  { name: 'numeric enum prefixes', schema: { type: 'array', items: { enum: [1, 12, 123, -1] }, maxItems: 4 } },
  { name: 'const', schema: object({ kind: { const: 'event' }, version: { const: 2 }, payload: string }) },
  { name: 'nullable string', schema: object({ middle: { type: ['string', 'null'], maxLength: 10 } }) },
  { name: 'multi-type', schema: { type: ['integer', 'string', 'boolean', 'null'] } },
  {
    name: 'anyOf of objects sharing a key',
    schema: {
      anyOf: [
        object({ kind: string, radius: number }),
        object({ kind: string, width: number, height: number }),
      ],
    },
  },
  {
    name: 'oneOf with discriminator',
    schema: {
      oneOf: [
        object({ type: { const: 'circle' }, r: { type: 'number', exclusiveMinimum: 0 } }),
        object({ type: { const: 'square' }, side: { type: 'number', exclusiveMinimum: 0 } }),
      ],
    },
  },
  { name: 'oneOf by type', schema: { oneOf: [string, integer, { type: 'array', items: string, maxItems: 2 }] } },
  { name: 'anyOf overlapping numbers', schema: { anyOf: [{ type: 'integer', minimum: 0, maximum: 10 }, { type: 'integer', minimum: 5, maximum: 20 }] } },
  {
    name: 'recursive tree',
    schema: {
      $defs: { node: object({ value: integer, children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 3 } }, ['value']) },
      $ref: '#/$defs/node',
    },
  },
  {
    name: 'recursion through the root',
    schema: { type: 'object', properties: { name: string, next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } }, required: ['name', 'next'], additionalProperties: false },
  },
  {
    name: 'definitions (draft 7 style)',
    schema: {
      definitions: { person: object({ name: string, email: { type: 'string', format: 'email' } }) },
      type: 'object',
      properties: { author: { $ref: '#/definitions/person' }, reviewers: { type: 'array', items: { $ref: '#/definitions/person' }, maxItems: 2 } },
      required: ['author'],
      additionalProperties: false,
    },
  },
  {
    name: 'linked list via $defs',
    schema: { $defs: { list: { anyOf: [{ type: 'null' }, object({ head: integer, tail: { $ref: '#/$defs/list' } })] } }, $ref: '#/$defs/list' },
  },
  {
    name: 'json expression tree',
    schema: {
      $defs: {
        expr: {
          anyOf: [
            { type: 'number' },
            object({ op: { enum: ['+', '-', '*', '/'] }, left: { $ref: '#/$defs/expr' }, right: { $ref: '#/$defs/expr' } }),
          ],
        },
      },
      $ref: '#/$defs/expr',
    },
  },
  { name: 'allOf with one schema', schema: { allOf: [object({ x: integer })] } },
  { name: 'string limits', schema: object({ short: { type: 'string', maxLength: 3 }, long: { type: 'string', minLength: 20 }, exact: { type: 'string', minLength: 4, maxLength: 4 } }) },
  { name: 'empty string only', schema: { type: 'string', maxLength: 0 } },
  { name: 'date', schema: { type: 'string', format: 'date' } },
  { name: 'time', schema: { type: 'string', format: 'time' } },
  { name: 'date-time', schema: object({ at: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' } }) },
  { name: 'uuid', schema: object({ id: { type: 'string', format: 'uuid' }, parent: { type: ['string', 'null'], format: 'uuid' } }) },
  { name: 'email', schema: { type: 'string', format: 'email' } },
  { name: 'email with maxLength', schema: { type: 'string', format: 'email', maxLength: 12 } },
  { name: 'integer range', schema: { type: 'integer', minimum: 100, maximum: 250 } },
  { name: 'negative integer range', schema: { type: 'integer', minimum: -50, maximum: -7 } },
  { name: 'exclusive integer bounds', schema: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 5 } },
  { name: 'integer with fractional bounds', schema: { type: 'integer', minimum: 1.5, maximum: 3.7 } },
  { name: 'probability', schema: { type: 'number', minimum: 0, maximum: 1 } },
  { name: 'open-ended number', schema: { type: 'number', exclusiveMinimum: 1000 } },
  { name: 'tiny exclusive range', schema: { type: 'number', exclusiveMinimum: 0.1, exclusiveMaximum: 0.2 } },
  { name: 'negative numbers', schema: { type: 'array', items: { type: 'number', maximum: -0.5 }, minItems: 1, maxItems: 5 } },
  { name: 'unbounded numbers', schema: { type: 'array', items: number, maxItems: 6 } },
  { name: 'any value', schema: {} },
  { name: 'true schema items', schema: { type: 'array', items: true, maxItems: 3 } },
  { name: 'annotations ignored', schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'T', description: 'd', ...object({ a: { type: 'string', description: 'x', examples: ['e'], default: 'x' } }) } },
  { name: 'type implied by keywords', schema: { properties: { a: integer }, required: ['a'], additionalProperties: false } },
  {
    name: 'invoice',
    schema: object({
      number: { type: 'string', minLength: 3, maxLength: 12 },
      issued: { type: 'string', format: 'date' },
      customer: object({ name: string, email: { type: 'string', format: 'email' }, vip: boolean }, ['name']),
      lines: { type: 'array', minItems: 1, maxItems: 3, items: object({ item: string, qty: { type: 'integer', minimum: 1 }, price: { type: 'number', minimum: 0 } }) },
      status: { enum: ['draft', 'sent', 'paid'] },
    }),
  },
  {
    name: 'tool call',
    schema: object({
      name: { enum: ['get_weather', 'search', 'calculator'] },
      arguments: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    }),
  },
];
