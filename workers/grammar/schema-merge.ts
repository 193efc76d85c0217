// allOf, and keywords beside $ref, anyOf or oneOf, rewritten as one schema the compiler knows:
// the conjuncts' keywords merged (types intersected, bounds tightened, properties joined, each
// property taking every conjunct's say on it), and a union's branches each merged with the rest.
// Only the top level is merged; a property two conjuncts constrain becomes an allOf of its own,
// merged when it is compiled. What can't be merged exactly is refused.
import { isPlainObject, sameJson } from './json-values.ts';
import { constrains } from './keywords.ts';
import { pointer, SchemaError } from './schema-error.ts';

type Schema = Record<string, unknown>;

/** How deep allOf and $ref may nest inside one another before the schema is refused. */
const MAX_DEPTH = 24;
/** How many branches distributing several unions over each other may make. */
const MAX_BRANCHES = 64;
const UNIONS = ['anyOf', 'oneOf'] as const;
const LOWER = new Set(['minLength', 'minItems', 'minProperties', 'minimum', 'exclusiveMinimum']);
const UPPER = new Set(['maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum']);

/** Whether `schema` needs merging before it compiles: allOf, or a $ref or union with other
 * keywords beside it (draft 2019-09 on, those apply too; earlier drafts ignored them beside
 * $ref, and enforcing them only makes the grammar stricter). */
export function needsMerge(schema: Schema): boolean {
  if ('allOf' in schema || ('not' in schema && negate(schema['not']) !== null)) return true;
  const constraints = Object.keys(schema).filter(constrains);
  return ['$ref', ...UNIONS].some((keyword) => keyword in schema) && constraints.length > 1;
}

/** What merging needs from the compiler: `resolve` turns a $ref into its schema; and the allOf
 * schemas merging makes for properties are made once per list of parts, so that a recursive
 * schema merged again meets the same objects (and the compiler's memo ends the recursion). */
export class MergeContext {
  readonly resolve: (ref: unknown, path: string) => unknown;
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;
  readonly #made = new Map<string, Schema>();

  constructor(resolve: (ref: unknown, path: string) => unknown) {
    this.resolve = resolve;
  }

  /** `{allOf: parts}`, the same object for the same parts. */
  allOf(parts: readonly unknown[]): Schema {
    const key = parts.map((part) => this.#id(part)).join(',');
    let made = this.#made.get(key);
    if (made === undefined) {
      made = { allOf: parts };
      this.#made.set(key, made);
    }
    return made;
  }

  #id(part: unknown): string {
    if (typeof part !== 'object' || part === null) return JSON.stringify(part);
    let id = this.#ids.get(part);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(part, id);
    }
    return String(id);
  }
}

/** `schema` as one schema without allOf and with nothing beside $ref or a union; `false` when
 * no value meets it. */
export function mergeSchema(schema: Schema, path: string, context: MergeContext, depth = 0): Schema | false {
  const { resolve } = context;
  if (depth > MAX_DEPTH) throw new SchemaError('allOf', path, 'unions merged into unions nest too deeply (a union that refers back to itself)');
  const conjuncts: Schema[] = [];
  if (!flatten(schema, path, resolve, conjuncts, 0)) return false;
  const unions: { keyword: 'anyOf' | 'oneOf'; options: unknown[] }[] = [];
  const plain = conjuncts.map((conjunct) => {
    const keyword = UNIONS.find((k) => k in conjunct);
    if (keyword === undefined) return conjunct;
    const options = conjunct[keyword];
    if (!Array.isArray(options) || options.length === 0) throw new SchemaError(keyword, pointer(path, keyword), `${keyword} must be a non-empty array of schemas`);
    if (UNIONS.every((k) => k in conjunct)) throw new SchemaError('oneOf', pointer(path, 'oneOf'), 'anyOf and oneOf side by side are not supported');
    unions.push({ keyword, options });
    return Object.fromEntries(Object.entries(conjunct).filter(([key]) => key !== keyword));
  });
  const base = mergeAll(plain, path, context);
  if (base === false || unions.length === 0) return base;
  if (unions.length > 1 && unions.some((union) => union.keyword === 'oneOf')) {
    throw new SchemaError('oneOf', pointer(path, 'oneOf'), 'oneOf next to another anyOf or oneOf is not supported');
  }
  let branches: unknown[][] = [[]];
  for (const { options } of unions) {
    branches = branches.flatMap((branch) => options.map((option) => [...branch, option]));
    if (branches.length > MAX_BRANCHES) throw new SchemaError('anyOf', pointer(path, 'anyOf'), `these unions make more than ${MAX_BRANCHES} branches`);
  }
  // Each branch merged now, so that oneOf can judge whether the branches exclude each other.
  const merged = branches.map((parts) => mergeSchema({ allOf: [base, ...parts] }, path, context, depth + 1));
  return { [unions[0]!.keyword]: merged };
}

/** Appends the conjuncts `schema` stands for (its own keywords, its allOf's and its $ref's);
 * false when one of them is the schema `false`. */
function flatten(schema: unknown, path: string, resolve: (ref: unknown, path: string) => unknown, out: Schema[], depth: number): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  if (!isPlainObject(schema)) throw new SchemaError('allOf', path, 'a schema must be an object or a boolean');
  if (depth > MAX_DEPTH) throw new SchemaError('allOf', path, 'allOf and $ref nest too deeply (or lead back to themselves)');
  const own = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'allOf' && key !== '$ref' && constrains(key)));
  const negated = 'not' in own ? negate(own['not']) : null;
  if (negated !== null) {
    delete own['not'];
    if (!flatten(negated, pointer(path, 'not'), resolve, out, depth + 1)) return false;
  }
  if ('$ref' in schema && !flatten(resolve(schema['$ref'], pointer(path, '$ref')), pointer(path, '$ref'), resolve, out, depth + 1)) return false;
  if ('allOf' in schema) {
    const all = schema['allOf'];
    if (!Array.isArray(all) || all.length === 0) throw new SchemaError('allOf', pointer(path, 'allOf'), 'allOf must be a non-empty array of schemas');
    for (let i = 0; i < all.length; i++) if (!flatten(all[i], pointer(pointer(path, 'allOf'), i), resolve, out, depth + 1)) return false;
  }
  if (Object.keys(own).length > 0) out.push(own);
  return true;
}

const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** A schema meeting exactly the values `schema` does not, for the forms `not` takes that the
 * grammar can say otherwise; null for the others (the compiler then refuses the `not`). */
function negate(schema: unknown): unknown {
  if (schema === false) return true;
  const keys = isPlainObject(schema) ? Object.keys(schema).filter(constrains) : [];
  if (schema === true || keys.length === 0) return false;
  const not = schema as Schema;
  if (keys.length !== 1) return null;
  if (keys[0] === 'type') {
    const listed = (Array.isArray(not['type']) ? not['type'] : [not['type']]) as unknown[];
    // "Any number but an integer" is not a type the grammar has.
    if (listed.includes('integer') && !listed.includes('number')) return null;
    const rest = TYPES.filter((type) => !listed.includes(type) && !(type === 'integer' && listed.includes('number')));
    return rest.length === 0 ? false : { type: rest.filter((type) => type !== 'integer' || !rest.includes('number')) };
  }
  if (keys[0] === 'required' && Array.isArray(not['required']) && not['required'].length > 0) {
    // An object without one of the names, at least.
    const without = not['required'].map((name) => ({ properties: { [String(name)]: false } }));
    return without.length === 1 ? { type: 'object', ...without[0] } : { type: 'object', anyOf: without };
  }
  return null;
}

/** The conjuncts (none with allOf, $ref or a union) as one schema, or false. */
function mergeAll(conjuncts: readonly Schema[], path: string, context: MergeContext): Schema | false {
  const merged: Schema = {};
  for (const conjunct of conjuncts) {
    for (const [key, value] of Object.entries(conjunct)) {
      if (key === 'properties' || key === 'additionalProperties') continue;
      if (!(key in merged)) {
        merged[key] = value;
        continue;
      }
      const joined = join(key, merged[key], value, path, context);
      if (joined === NOTHING) return false;
      merged[key] = joined;
    }
  }
  if ('const' in merged && 'enum' in merged) {
    const values = (merged['enum'] as unknown[]).filter((value) => sameJson(value, merged['const']));
    if (values.length === 0) return false;
    delete merged['enum'];
  }
  const objects = mergeProperties(conjuncts, path, context);
  if (objects !== null) Object.assign(merged, objects);
  return merged;
}

const NOTHING = Symbol('no value meets both');

/** One keyword's two values as one, NOTHING when no value meets both; refuses what it can't merge. */
function join(key: string, a: unknown, b: unknown, path: string, context: MergeContext): unknown {
  if (sameJson(a, b)) return a;
  if (key === 'type') {
    const types = intersectTypes(a, b);
    return types.length === 0 ? NOTHING : types.length === 1 ? types[0] : types;
  }
  if (key === 'enum' && Array.isArray(a) && Array.isArray(b)) {
    const values = a.filter((value) => b.some((other) => sameJson(value, other)));
    return values.length === 0 ? NOTHING : values;
  }
  if (key === 'const') return NOTHING;
  if (key === 'required' && Array.isArray(a) && Array.isArray(b)) return [...new Set([...a, ...b])];
  if ((LOWER.has(key) || UPPER.has(key)) && typeof a === 'number' && typeof b === 'number') return LOWER.has(key) ? Math.max(a, b) : Math.min(a, b);
  if (key === 'items' && !Array.isArray(a) && !Array.isArray(b)) return context.allOf([a, b]);
  throw new SchemaError('allOf', pointer(path, 'allOf'), `two different "${key}" values can't be merged`);
}

function intersectTypes(a: unknown, b: unknown): string[] {
  const list = (t: unknown): string[] => (Array.isArray(t) ? t : [t]) as string[];
  const x = list(a);
  const y = list(b);
  // An integer is a number.
  const has = (types: string[], type: string): boolean => types.includes(type) || (type === 'integer' && types.includes('number'));
  const types = [...new Set([...x, ...y])].filter((type) => has(x, type) && has(y, type));
  return types.includes('number') ? types.filter((type) => type !== 'integer') : types;
}

/** properties and additionalProperties of the conjuncts together: a property takes the schema of
 * every conjunct that lists it, and the additionalProperties of every conjunct that doesn't. */
function mergeProperties(conjuncts: readonly Schema[], path: string, context: MergeContext): Schema | null {
  const about = conjuncts.filter((c) => 'properties' in c || 'additionalProperties' in c);
  if (about.length === 0) return null;
  if (about.length > 1 && conjuncts.some((c) => 'patternProperties' in c)) {
    throw new SchemaError('allOf', pointer(path, 'allOf'), 'patternProperties can\'t be merged with other conjuncts\' properties');
  }
  const listed = (c: Schema): Schema => (isPlainObject(c['properties']) ? c['properties'] : {});
  const names = [...new Set(about.flatMap((c) => Object.keys(listed(c))))];
  const properties: Schema = {};
  for (const name of names) {
    const says = about.flatMap((c) => (name in listed(c) ? [listed(c)[name]] : 'additionalProperties' in c ? [c['additionalProperties']] : []));
    properties[name] = says.length === 1 ? says[0] : context.allOf(says);
  }
  const result: Schema = { properties };
  const additional = about.filter((c) => 'additionalProperties' in c).map((c) => c['additionalProperties']);
  if (additional.length > 0) result['additionalProperties'] = additional.length === 1 ? additional[0] : context.allOf(additional);
  return result;
}
