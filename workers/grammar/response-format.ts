// The grammar a `response_format` asks for, and the full check of one: its shape
// (workers/protocol/response-format.ts) and then whether the schema compiles to a grammar.
import { responseFormatShapeProblems, type ResponseFormat } from '../protocol/response-format.ts';
import { isPlainObject } from './json-values.ts';
import { compileSchema, type Grammar, jsonObjectGrammar } from './schema-compiler.ts';
import { SchemaError } from './schema-error.ts';

/** One readable sentence per problem with `format` (its shape, then its schema); empty when
 * it is fine. */
export function validateResponseFormat(format: unknown): string[] {
  const problems = responseFormatShapeProblems(format);
  const spec = isPlainObject(format) && format['type'] === 'json_schema' ? format['json_schema'] : undefined;
  const schema = isPlainObject(spec) ? spec['schema'] : undefined;
  if (!isPlainObject(schema)) return problems;
  try {
    compileSchema(schema);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    problems.push(`response_format.json_schema.schema: ${error.message}`);
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
