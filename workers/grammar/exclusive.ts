// Whether two schemas exclude each other (no value validates against both), as oneOf needs to
// be enforced as a plain union: judged conservatively, on reasons visible on the schemas' face:
// different types, different enum/const values, or for objects a property required by both
// whose schemas exclude each other (a discriminator), or required by one and barred by the other.
import { array, isPlainObject, sameJson, typeOfJson } from './json-values.ts';

type Schema = Record<string, unknown>;

/** How many $ref hops and nested levels the judgement follows before it says no. */
const MAX_DEPTH = 8;

/** `resolve` turns a $ref into its schema, or throws when it can't. */
export function exclusive(a: unknown, b: unknown, resolve: (ref: string) => unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const x = followed(a, resolve);
  const y = followed(b, resolve);
  if (x === false || y === false) return true;
  if (!isPlainObject(x) || !isPlainObject(y)) return false;
  for (const [one, other] of [[x, y], [y, x]] as const) {
    for (const keyword of ['anyOf', 'oneOf']) {
      const branches = one[keyword];
      if (Array.isArray(branches)) return branches.every((branch) => exclusive(branch, other, resolve, depth + 1));
    }
  }
  const common = commonTypes(ajvTypes(x), ajvTypes(y));
  if (common !== 'all' && common.length === 0) return true;
  const valuesX = literalValues(x);
  const valuesY = literalValues(y);
  if (valuesX !== null && valuesY !== null) return !valuesX.some((v) => valuesY.some((w) => sameJson(v, w)));
  // Past here only objects can be told apart.
  if (common === 'all' || common.some((type) => type !== 'object')) return false;
  for (const [one, other] of [[x, y], [y, x]] as const) {
    const otherProperties = isPlainObject(other['properties']) ? other['properties'] : {};
    for (const name of array(one['required'])) {
      if (typeof name !== 'string') continue;
      if (other['additionalProperties'] === false && !(name in otherProperties)) return true;
      if (!array(other['required']).includes(name)) continue;
      if (exclusive(propertySchema(one, name), propertySchema(other, name), resolve, depth + 1)) return true;
    }
  }
  return false;
}

/** A schema with its $ref and single-schema allOf followed (an unresolvable one left as it is). */
function followed(schema: unknown, resolve: (ref: string) => unknown): unknown {
  let at = schema;
  for (let hops = 0; hops < MAX_DEPTH && isPlainObject(at); hops++) {
    if (typeof at['$ref'] === 'string') {
      try {
        at = resolve(at['$ref']);
      } catch {
        return at;
      }
    } else if (Array.isArray(at['allOf']) && at['allOf'].length === 1) {
      at = at['allOf'][0];
    } else {
      break;
    }
  }
  return at;
}

/** The values a schema is limited to by enum/const, or null. */
function literalValues(schema: Schema): unknown[] | null {
  if ('const' in schema) return [schema['const']];
  return Array.isArray(schema['enum']) ? schema['enum'] : null;
}

/** The JSON types a schema lets ajv accept ('integer' for whole numbers): 'all' when it doesn't say. */
function ajvTypes(schema: Schema): readonly string[] | 'all' {
  const values = literalValues(schema);
  if (values !== null) return values.map(typeOfJson);
  const type = schema['type'];
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : 'all';
}

/** The types both accept, an integer being a number too. */
function commonTypes(a: readonly string[] | 'all', b: readonly string[] | 'all'): readonly string[] | 'all' {
  if (a === 'all') return b;
  if (b === 'all') return a;
  const within = (type: string, types: readonly string[]): boolean =>
    types.includes(type) || (type === 'integer' && types.includes('number'));
  return [...a.filter((t) => within(t, b)), ...b.filter((t) => within(t, a))];
}

function propertySchema(schema: Schema, name: string): unknown {
  const properties = schema['properties'];
  if (isPlainObject(properties) && name in properties) return properties[name];
  return schema['additionalProperties'] ?? true;
}
