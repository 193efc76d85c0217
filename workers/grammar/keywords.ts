// The JSON Schema keywords that constrain values: those the grammar enforces (KNOWN), and those it
// refuses (UNSUPPORTED). Any other keyword is an annotation or unknown, and the specification
// says to ignore it.

export const UNSUPPORTED: ReadonlySet<string> = new Set([
  'propertyNames', 'minProperties', 'maxProperties', 'dependentRequired', 'dependentSchemas',
  'dependencies', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'minContains', 'maxContains',
  'uniqueItems', 'multipleOf', 'not', 'if', 'then', 'else', '$dynamicRef', '$recursiveRef',
]);

/** The keywords about one type: they constrain values of that type and no others. */
export const TYPE_KEYWORDS = {
  object: ['properties', 'required', 'additionalProperties', 'patternProperties'],
  array: ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems'],
  string: ['minLength', 'maxLength', 'format', 'pattern'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'],
} as const;

export const KNOWN: ReadonlySet<string> = new Set<string>(['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', ...Object.values(TYPE_KEYWORDS).flat()]);

/** Whether `key` constrains values (enforced or refused). */
export function constrains(key: string): boolean {
  return KNOWN.has(key) || UNSUPPORTED.has(key);
}
