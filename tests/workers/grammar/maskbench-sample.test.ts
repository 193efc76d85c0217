// Shown: on a fixed ~300-schema subset of MaskBench's dev split (tests/fixtures, written by
// scripts/bench/schemas/make-sample.ts), with Python json.dumps's separators, no invalid
// instance is accepted, no valid one of a compiled schema rejected, and at least PASSING_FLOOR
// schemas pass (compile, accept every valid instance whole, reject every invalid one).
// Byte-level; the token-level run is npm run bench:schemas.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accepts } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { SchemaError } from '../../../workers/grammar/schema-error.ts';

/** Schemas passing when the sample was taken: raise it as the grammar covers more, never lower it. */
const PASSING_FLOOR = 261;

interface SampleSchema {
  name: string;
  schema: unknown;
  tests: { valid: boolean; text: string }[];
}

const { schemas } = JSON.parse(readFileSync(new URL('../../fixtures/maskbench-sample.json', import.meta.url), 'utf8')) as { schemas: SampleSchema[] };
const space = new TextEncoder().encode(' ');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('MaskBench sample', () => {
  const passing: string[] = [];
  const invalidAccepted: string[] = [];
  const validRejected: string[] = [];
  const crashes: string[] = [];
  for (const { name, schema, tests } of schemas) {
    let root;
    try {
      root = compileSchema(schema, { separators: { item: space, key: space } }).root;
    } catch (error) {
      if (!(error instanceof SchemaError)) crashes.push(`${name}: ${String(error)}`);
      continue;
    }
    let right = true;
    tests.forEach(({ valid, text }, i) => {
      const accepted = accepts(root, utf8(text));
      if (!valid && accepted) invalidAccepted.push(`${name} #${i}`);
      if (valid && !accepted) validRejected.push(`${name} #${i}`);
      if (accepted !== valid) right = false;
    });
    if (right) passing.push(name);
  }

  it('has a few hundred schemas', () => {
    expect(schemas.length).toBeGreaterThan(250);
  });

  it('accepts no invalid instance', () => {
    expect(invalidAccepted).toEqual([]);
  });

  it('rejects no valid instance of a schema it compiles (keys in any order, untyped schemas of any type)', () => {
    expect(validRejected).toEqual([]);
  });

  it('compiles or refuses with a SchemaError, never throws otherwise', () => {
    expect(crashes).toEqual([]);
  });

  it(`passes at least ${PASSING_FLOOR} schemas`, () => {
    console.log(`MaskBench sample: ${passing.length}/${schemas.length} schemas pass`);
    expect(passing.length).toBeGreaterThanOrEqual(PASSING_FLOOR);
  });
});
