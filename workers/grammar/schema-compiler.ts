// Compiles a JSON Schema (the subset listed in README.md) into grammar nodes. Every keyword is
// either enforced, an annotation that constrains nothing, or refused with a SchemaError naming
// it: a document the grammar lets through always validates against the schema. Where the
// schema allows more than the grammar writes (extra properties, types a keyword only suggests),
// the grammar writes the narrower, still valid, subset.
import { ArrayNode } from './array.ts';
import type { ByteDfa } from './byte-dfa.ts';
import { FORMAT_NAMES, formatAutomaton } from './formats.ts';
import { COMPACT, type GrammarNode, type Separators } from './frame.ts';
import { exclusive } from './exclusive.ts';
import { booleans, encodeJson, isPlainObject, sameJson } from './json-values.ts';
import { LiteralNode } from './literal.ts';
import { accepts } from './matcher.ts';
import { NumberNode, type NumberBound } from './number.ts';
import { ObjectNode } from './object.ts';
import { PatternStringNode } from './pattern-string.ts';
import { intersection, patternDfa } from './regex.ts';
import { RegexRefusal } from './regex-parser.ts';
import { pointer, SchemaError } from './schema-error.ts';
import { KNOWN, TYPE_KEYWORDS, UNSUPPORTED } from './keywords.ts';
import { MergeContext, mergeSchema, needsMerge } from './schema-merge.ts';
import { StringNode } from './string.ts';
import { UnionNode } from './union.ts';

export interface Grammar {
  readonly root: GrammarNode;
}

type Schema = Record<string, unknown>;

const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
type TypeName = (typeof TYPES)[number];
/** The string formats validators check: the specification's (2020-12's list, draft 4's names
 * for them included) and ajv-formats' others. The grammar enforces FORMATS of them and refuses
 * the rest; any other format is an annotation. */
const CHECKED_FORMATS = new Set([
  'date', 'time', 'date-time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference',
  'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
  'host-name', 'ip-address', 'color', 'iso-time', 'iso-date-time', 'url', 'byte', 'json-pointer-uri-fragment',
]);
/** How deep compiling an enum's other keywords may nest (only self-referencing enums go deep). */
const MAX_NESTING = 8;

export interface CompileOptions {
  /** What follows `,` and `:` (compact by default: what generation writes). */
  readonly separators?: Separators;
}

/** The grammar of `schema`; throws SchemaError for what it can't enforce or what is invalid. */
export function compileSchema(schema: unknown, options: CompileOptions = {}): Grammar {
  return new Compiler(schema, 0, options.separators ?? COMPACT).grammar(schema, '');
}

/** Any JSON object: response_format json_object. */
export function jsonObjectGrammar(): Grammar {
  return compileSchema({ type: 'object' });
}

class Compiler {
  readonly #document: unknown;
  readonly #nesting: number;
  readonly #separators: Separators;
  readonly #nodes: GrammarNode[] = [];
  readonly #memo = new Map<object, GrammarNode>();
  /** Each schema that needed merging, merged once (so recursion through it meets the same object). */
  readonly #merged = new Map<object, Schema | false>();
  readonly #merging = new MergeContext((ref, at) => this.#resolve(ref, at).schema);
  /** $ref chains being followed, to catch a reference that only leads back to itself. */
  readonly #following = new Set<object>();
  #any: GrammarNode | null = null;

  constructor(document: unknown, nesting: number, separators: Separators) {
    this.#document = document;
    this.#nesting = nesting;
    this.#separators = separators;
  }

  grammar(schema: unknown, path: string): Grammar {
    const root = this.#compile(schema, path, 'schema');
    // Shortest values by fixpoint (recursion makes them depend on each other), then drop what
    // can never finish so that no state the automaton reaches is a dead end.
    for (let changed = true; changed; ) {
      changed = false;
      for (const node of this.#nodes) if (node.measure()) changed = true;
    }
    if (root.shortest === Infinity) {
      throw new SchemaError('schema', path, 'the schema admits no finite JSON document (required values recurse without end, or no value meets the limits)');
    }
    for (const node of this.#nodes) node.prune();
    return { root };
  }

  #node<T extends GrammarNode>(node: T): T {
    this.#nodes.push(node);
    return node;
  }

  #compile(schema: unknown, path: string, keyword: string): GrammarNode {
    if (schema === true) return this.#anyValue();
    if (schema === false) throw new SchemaError(keyword, path, 'the schema `false` admits no value here');
    if (!isPlainObject(schema)) throw new SchemaError(keyword, path, 'a schema must be an object or a boolean');
    const known = this.#memo.get(schema);
    if (known !== undefined) return known;
    // A schema to merge is checked once merged, where its `not` may be gone.
    if (!needsMerge(schema)) this.#checkKeywords(schema, path);
    const node = this.#compileNew(schema, path);
    this.#memo.set(schema, node);
    return node;
  }

  #checkKeywords(schema: Schema, path: string): void {
    for (const key of Object.keys(schema)) {
      if (UNSUPPORTED.has(key)) throw new SchemaError(key, pointer(path, key), `keyword "${key}" is not supported`);
    }
    for (const key of ['$defs', 'definitions']) {
      if (key in schema && !isPlainObject(schema[key])) throw new SchemaError(key, pointer(path, key), `"${key}" must be an object of schemas`);
    }
  }

  #compileNew(schema: Schema, path: string): GrammarNode {
    const constraints = Object.keys(schema).filter((key) => KNOWN.has(key));
    if (needsMerge(schema)) return this.#compileMerged(schema, path);
    if ('$ref' in schema) return this.#follow(schema, path);
    if ('enum' in schema || 'const' in schema) return this.#literal(schema, path, constraints);
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      if (keyword in schema) return this.#union(schema, path, keyword);
    }
    const types = this.#types(schema, path);
    if (types.length === TYPES.length - 1 && constraints.length === 0) return this.#anyValue();
    if (types.length === 1) return this.#typed(types[0]!, schema, path);
    const union = this.#claim(schema, new UnionNode());
    union.options = types.map((type) => this.#typed(type, schema, path));
    return union;
  }

  /** Registers a node that children may refer back to before it is filled in. */
  #claim<T extends GrammarNode>(schema: Schema, node: T): T {
    this.#memo.set(schema, node);
    return this.#node(node);
  }

  /** A lone $ref: the same as the schema it points to. */
  #follow(schema: Schema, path: string): GrammarNode {
    if (this.#following.has(schema)) throw new SchemaError('$ref', pointer(path, '$ref'), 'this reference leads only back to itself');
    this.#following.add(schema);
    try {
      const target = this.#resolve(schema['$ref'], pointer(path, '$ref'));
      return this.#compile(target.schema, target.path, '$ref');
    } finally {
      this.#following.delete(schema);
    }
  }

  /** allOf, or keywords beside $ref or a union: the merged schema (schema-merge.ts). */
  #compileMerged(schema: Schema, path: string): GrammarNode {
    let merged = this.#merged.get(schema);
    if (merged === undefined) {
      merged = mergeSchema(schema, path, this.#merging);
      this.#merged.set(schema, merged);
    }
    if (merged === false) return this.#node(new LiteralNode([]));
    if (this.#following.has(schema)) throw new SchemaError('allOf', pointer(path, 'allOf'), 'this schema leads only back to itself');
    this.#following.add(schema);
    try {
      return this.#compile(merged, path, 'allOf');
    } finally {
      this.#following.delete(schema);
    }
  }

  #resolve(ref: unknown, path: string): { schema: unknown; path: string } {
    if (typeof ref !== 'string' || !ref.startsWith('#')) {
      throw new SchemaError('$ref', path, `only references within the schema ("#", "#/$defs/name", ...) are supported, not ${JSON.stringify(ref)}`);
    }
    let target: string;
    try {
      target = decodeURIComponent(ref.slice(1));
    } catch {
      throw new SchemaError('$ref', path, `"${ref}" is not a valid URI fragment`);
    }
    if (target !== '' && !target.startsWith('/')) throw new SchemaError('$ref', path, `"${ref}" is not a JSON Pointer reference`);
    let schema = this.#document;
    for (const token of target === '' ? [] : target.slice(1).split('/')) {
      const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
      const container: unknown = schema;
      schema = Array.isArray(container) ? container[Number(key)] : isPlainObject(container) ? container[key] : undefined;
      if (schema === undefined) throw new SchemaError('$ref', path, `cannot resolve "${ref}"`);
    }
    return { schema, path: target };
  }

  /** enum/const: the listed values that also meet the schema's other keywords. */
  #literal(schema: Schema, path: string, constraints: readonly string[]): GrammarNode {
    let values: unknown[] | null = null;
    if ('enum' in schema) {
      const list = schema['enum'];
      if (!Array.isArray(list) || list.length === 0) throw new SchemaError('enum', pointer(path, 'enum'), 'enum must be a non-empty array');
      values = list;
    }
    if ('const' in schema) values = (values ?? [schema['const']]).filter((value) => sameJson(value, schema['const']));
    const keyword = 'enum' in schema ? 'enum' : 'const';
    const others = constraints.filter((key) => key !== 'enum' && key !== 'const');
    if (others.length > 0 && values!.length > 0) {
      if (this.#nesting >= MAX_NESTING) throw new SchemaError(keyword, pointer(path, keyword), `"${keyword}" nests in itself too deeply`);
      const rest = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'enum' && key !== 'const'));
      const { root } = new Compiler(this.#document, this.#nesting + 1, COMPACT).grammar(rest, path);
      values = values!.filter((value) => accepts(root, encodeJson(value)));
    }
    // No value left: a schema nothing meets, which leaves out an optional property (or refuses
    // the schema when it is needed, as the shortest-value check finds).
    return this.#node(new LiteralNode(dedupe(values!.map((value) => encodeJson(value, this.#separators)))));
  }

  /** anyOf/oneOf alone (needsMerge takes the ones with other keywords). */
  #union(schema: Schema, path: string, keyword: 'anyOf' | 'oneOf'): GrammarNode {
    const here = pointer(path, keyword);
    const options = schema[keyword];
    if (!Array.isArray(options) || options.length === 0) throw new SchemaError(keyword, here, `${keyword} must be a non-empty array of schemas`);
    if (keyword === 'oneOf') {
      for (let i = 0; i < options.length; i++) {
        for (let j = i + 1; j < options.length; j++) {
          if (!exclusive(options[i], options[j], (ref) => this.#resolve(ref, '').schema)) {
            throw new SchemaError('oneOf', here, `oneOf alternatives ${i} and ${j} may both match one value; only alternatives that provably exclude each other (by type, const/enum values, or a required property's values) are supported; use anyOf where they may overlap`);
          }
        }
      }
    }
    const union = this.#claim(schema, new UnionNode());
    union.options = options.flatMap((option, i) => (option === false ? [] : [this.#compile(option, pointer(here, i), keyword)]));
    return union;
  }

  /** The types to write: `type`'s, else all (a keyword about one type, `properties` say, only
   * constrains values of that type; it doesn't rule the others out). */
  #types(schema: Schema, path: string): TypeName[] {
    const type = schema['type'];
    if (type === undefined) return ['object', 'array', 'string', 'number', 'boolean', 'null'];
    const list = Array.isArray(type) ? type : [type];
    const here = pointer(path, 'type');
    if (list.length === 0) throw new SchemaError('type', here, 'type must not be an empty array');
    for (const name of list) {
      if (!TYPES.includes(name)) throw new SchemaError('type', here, `unknown type ${JSON.stringify(name)}`);
    }
    if (new Set(list).size !== list.length) throw new SchemaError('type', here, 'type lists a type twice');
    // Every integer is a number.
    return (list as TypeName[]).filter((name) => !(name === 'integer' && list.includes('number')));
  }

  #typed(type: TypeName, schema: Schema, path: string): GrammarNode {
    switch (type) {
      case 'object':
        return this.#object(schema, path);
      case 'array':
        return this.#array(schema, path);
      case 'string':
        return this.#string(schema, path);
      case 'number':
      case 'integer':
        return this.#number(type === 'integer', schema, path);
      case 'boolean':
        return this.#node(new LiteralNode(booleans));
      case 'null':
        return this.#node(new LiteralNode([encodeJson(null)]));
    }
  }

  #object(schema: Schema, path: string): GrammarNode {
    const properties = schema['properties'] ?? {};
    if (!isPlainObject(properties)) throw new SchemaError('properties', pointer(path, 'properties'), 'properties must be an object of schemas');
    const required = this.#required(schema, path);
    const additional = schema['additionalProperties'];
    const node = this.#claimTyped(schema, new ObjectNode(this.#separators));
    const pattern = this.#patternProperty(schema, path);
    // A listed key the pattern matches takes both schemas.
    const valueOf = (name: string, own: unknown, at: string): GrammarNode =>
      pattern !== null && pattern.dfa.acceptsText(name) ? this.#compile(this.#merging.allOf([own, pattern.schema]), at, 'patternProperties') : this.#compile(own, at, 'properties');
    const listed = Object.keys(properties);
    for (const name of listed) {
      const at = pointer(pointer(path, 'properties'), name);
      const isRequired = required.includes(name);
      if (properties[name] === false) {
        if (isRequired) throw new SchemaError('required', pointer(path, 'required'), `required property "${name}" has the schema false`);
        continue;
      }
      node.properties.push({ name, node: valueOf(name, properties[name], at), required: isRequired });
    }
    const unlisted = required.filter((name) => !listed.includes(name));
    node.excludedKeys = [...listed, ...unlisted];
    if (pattern !== null) node.pattern = { dfa: pattern.dfa, value: this.#compile(pattern.schema, pattern.path, 'patternProperties') };
    // Other keys: required unlisted ones are properties like the listed ones, and any others may
    // come between them, with the pattern's schema when it matches them, else
    // additionalProperties'.
    const others = additional === false ? false : additional === undefined || additional === true ? true : additional;
    for (const name of unlisted) {
      const matched = pattern !== null && pattern.dfa.acceptsText(name);
      if (!matched && others === false) {
        throw new SchemaError('required', pointer(path, 'required'), `required property "${name}" is not in properties and additionalProperties is false`);
      }
      node.properties.push({ name, node: matched ? node.pattern!.value : this.#othersValue(others, path), required: true });
    }
    if (others !== false) node.additional = this.#othersValue(others, path);
    return node;
  }

  #othersValue(others: unknown, path: string): GrammarNode {
    return others === true ? this.#anyValue() : this.#compile(others, pointer(path, 'additionalProperties'), 'additionalProperties');
  }

  /** patternProperties' one pattern, or null; refuses more than one. */
  #patternProperty(schema: Schema, path: string): { dfa: ByteDfa; schema: unknown; path: string } | null {
    const patterns = schema['patternProperties'];
    if (patterns === undefined) return null;
    const here = pointer(path, 'patternProperties');
    if (!isPlainObject(patterns)) throw new SchemaError('patternProperties', here, 'patternProperties must be an object of schemas');
    const entries = Object.entries(patterns);
    if (entries.length > 1) throw new SchemaError('patternProperties', here, 'more than one pattern in patternProperties is not supported');
    if (entries.length === 0) return null;
    const [source, value] = entries[0]!;
    return { dfa: patternDfa(source, here, 'patternProperties'), schema: value, path: pointer(here, source) };
  }

  #required(schema: Schema, path: string): string[] {
    const required = schema['required'] ?? [];
    const here = pointer(path, 'required');
    if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) {
      throw new SchemaError('required', here, 'required must be an array of property names');
    }
    if (new Set(required).size !== required.length) throw new SchemaError('required', here, 'required lists a property twice');
    return required;
  }

  #array(schema: Schema, path: string): GrammarNode {
    let items = schema['items'];
    let prefixItems = schema['prefixItems'] ?? [];
    let prefixKeyword = 'prefixItems';
    if (Array.isArray(items)) {
      // Draft 2019-09 and before: a tuple, then additionalItems for the rest (else anything).
      if ('prefixItems' in schema) throw new SchemaError('items', pointer(path, 'items'), 'the array form of items next to prefixItems');
      prefixItems = items;
      prefixKeyword = 'items';
      items = schema['additionalItems'];
    }
    if (!Array.isArray(prefixItems)) throw new SchemaError('prefixItems', pointer(path, 'prefixItems'), 'prefixItems must be an array of schemas');
    const minItems = this.#count(schema, path, 'minItems') ?? 0;
    const maxItems = this.#count(schema, path, 'maxItems') ?? Infinity;
    if (minItems > maxItems) throw new SchemaError('minItems', pointer(path, 'minItems'), `minItems ${minItems} is above maxItems ${maxItems}`);
    const node = this.#claimTyped(schema, new ArrayNode([], null, minItems, maxItems, this.#separators));
    node.prefixItems = prefixItems.map((item, i) => this.#compile(item, pointer(pointer(path, prefixKeyword), i), prefixKeyword));
    const itemsKeyword = prefixKeyword === 'items' ? 'additionalItems' : 'items';
    node.items = items === false ? null : items === undefined ? this.#anyValue() : this.#compile(items, pointer(path, itemsKeyword), itemsKeyword);
    return node;
  }

  #string(schema: Schema, path: string): GrammarNode {
    const minLength = this.#count(schema, path, 'minLength') ?? 0;
    const maxLength = this.#count(schema, path, 'maxLength') ?? Infinity;
    if (minLength > maxLength) throw new SchemaError('minLength', pointer(path, 'minLength'), `minLength ${minLength} is above maxLength ${maxLength}`);
    const pattern = schema['pattern'];
    // A format no validator checks is an annotation; the others are enforced or refused.
    const format = typeof schema['format'] === 'string' && (FORMAT_NAMES.includes(schema['format']) || CHECKED_FORMATS.has(schema['format'])) ? schema['format'] : undefined;
    if (format === undefined && pattern === undefined) return this.#node(new StringNode(minLength, maxLength));
    const automata: ByteDfa[] = [];
    let limit = maxLength;
    if (format !== undefined) {
      const known = formatAutomaton(format);
      if (known === undefined) {
        throw new SchemaError('format', pointer(path, 'format'), `format ${JSON.stringify(format)} is not supported (supported: ${FORMAT_NAMES.join(', ')})`);
      }
      automata.push(known.dfa);
      limit = Math.min(limit, known.maxLength);
    }
    if (pattern !== undefined) {
      if (typeof pattern !== 'string') throw new SchemaError('pattern', pointer(path, 'pattern'), 'pattern must be a string');
      automata.push(patternDfa(pattern, pointer(path, 'pattern')));
    }
    const keyword = pattern === undefined ? 'format' : 'pattern';
    let node: PatternStringNode;
    try {
      node = new PatternStringNode(automata.length === 1 ? automata[0]! : intersection(automata[0]!, automata[1]!), minLength, limit);
    } catch (error) {
      if (!(error instanceof RangeError) && !(error instanceof RegexRefusal)) throw error;
      throw new SchemaError(keyword, pointer(path, keyword), `format, pattern and length limits together are too large to enforce (${error.message})`);
    }
    if (node.shortest === Infinity) {
      const culprit = ['maxLength', 'minLength'].find((limit) => limit in schema) ?? keyword;
      throw new SchemaError(culprit, pointer(path, culprit), 'no string meets the format, pattern and length limits together');
    }
    return this.#node(node);
  }

  #number(integer: boolean, schema: Schema, path: string): GrammarNode {
    const bound = (keyword: string): NumberBound | null => {
      const value = schema[keyword];
      // Draft 4: exclusiveMinimum/exclusiveMaximum are booleans that make minimum/maximum strict.
      if (value === undefined || typeof value === 'boolean') return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new SchemaError(keyword, pointer(path, keyword), `${keyword} must be a finite number or a boolean`);
      const draft4 = keyword === 'minimum' ? schema['exclusiveMinimum'] : keyword === 'maximum' ? schema['exclusiveMaximum'] : false;
      return { value, exclusive: keyword.startsWith('exclusive') || draft4 === true };
    };
    const tighter = (a: NumberBound | null, b: NumberBound | null, sign: 1 | -1): NumberBound | null =>
      a === null ? b : b === null ? a : sign * (b.value - a.value) > 0 || (b.value === a.value && b.exclusive) ? b : a;
    const lower = tighter(bound('minimum'), bound('exclusiveMinimum'), 1);
    const upper = tighter(bound('maximum'), bound('exclusiveMaximum'), -1);
    const node = this.#node(new NumberNode(integer, lower, upper));
    if (node.shortest === Infinity) {
      const keyword = TYPE_KEYWORDS.number.find((k) => k in schema)!;
      throw new SchemaError(keyword, pointer(path, keyword), `no ${integer ? 'integer' : 'number'} of at most 15 digits lies within the bounds`);
    }
    return node;
  }

  #count(schema: Schema, path: string, keyword: string): number | undefined {
    const value = schema[keyword];
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw new SchemaError(keyword, pointer(path, keyword), `${keyword} must be a non-negative integer`);
    }
    return value as number;
  }

  /** A typed node for `schema`, claimed unless a union over its types already was. */
  #claimTyped<T extends GrammarNode>(schema: Schema, node: T): T {
    return this.#memo.has(schema) ? this.#node(node) : this.#claim(schema, node);
  }

  /** Any JSON value: `true`, `{}`, and what an unconstrained `items` or map value holds. */
  #anyValue(): GrammarNode {
    if (this.#any !== null) return this.#any;
    const any = this.#node(new UnionNode());
    this.#any = any;
    const object = this.#node(new ObjectNode(this.#separators));
    object.additional = any;
    const literals = this.#node(new LiteralNode([...booleans, encodeJson(null)]));
    const array = this.#node(new ArrayNode([], any, 0, Infinity, this.#separators));
    any.options = [object, array, this.#node(new StringNode()), this.#node(new NumberNode(false)), literals];
    return any;
  }
}

function dedupe(texts: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return texts.filter((text) => {
    const key = text.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
