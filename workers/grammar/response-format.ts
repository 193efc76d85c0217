// The OpenAI `response_format` request field, its shape check for the API layer, and the
// grammar it asks for. `text` asks for none; `json_object` for any JSON object; `json_schema`
// for a document valid against the schema (any JSON value when the schema is left out).
// `strict` is accepted and changes nothing: the schema is always enforced, or refused.
import { isPlainObject } from './json-values.ts';
import { compileSchema, type Grammar, jsonObjectGrammar } from './schema-compiler.ts';
import { SchemaError } from './schema-error.ts';

export interface JsonSchemaFormat {
  name: string;
  description?: string;
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: JsonSchemaFormat };

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** One readable sentence per problem with `format` (its shape, then its schema); empty when
 * it is fine. */
export function validateResponseFormat(format: unknown): string[] {
  if (!isPlainObject(format)) return ['response_format must be an object'];
  const { type } = format;
  if (type === 'text' || type === 'json_object') return [];
  if (type !== 'json_schema') return [`response_format.type must be "text", "json_object" or "json_schema" (got ${JSON.stringify(type)})`];
  const spec = format['json_schema'];
  if (!isPlainObject(spec)) return ['response_format.json_schema must be an object'];
  const problems: string[] = [];
  if (typeof spec['name'] !== 'string' || !NAME.test(spec['name'])) {
    problems.push('response_format.json_schema.name must be 1 to 64 letters, digits, underscores or dashes');
  }
  if (spec['description'] !== undefined && typeof spec['description'] !== 'string') {
    problems.push('response_format.json_schema.description must be a string');
  }
  if (spec['strict'] !== undefined && spec['strict'] !== null && typeof spec['strict'] !== 'boolean') {
    problems.push('response_format.json_schema.strict must be a boolean or null');
  }
  const schema = spec['schema'];
  if (schema !== undefined && !isPlainObject(schema)) {
    problems.push('response_format.json_schema.schema must be an object');
  } else if (schema !== undefined) {
    try {
      compileSchema(schema);
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      problems.push(`response_format.json_schema.schema: ${error.message}`);
    }
  }
  return problems;
}

/** The grammar `format` asks for, or null for plain text. Throws SchemaError. */
export function grammarFor(format: ResponseFormat): Grammar | null {
  switch (format.type) {
    case 'text':
      return null;
    case 'json_object':
      return jsonObjectGrammar();
    case 'json_schema':
      return compileSchema(format.json_schema.schema ?? {});
  }
}
