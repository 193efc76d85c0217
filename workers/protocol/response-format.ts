// The OpenAI `response_format` request field and its shape check, shared by the /v1 handler,
// the structured-output panel and the engine. `text` asks for no grammar; `json_object` for any
// JSON object; `json_schema` for a document valid against the schema (any JSON value when the
// schema is left out). Whether the schema itself is supported is the engine's check
// (workers/grammar/response-format.ts); `strict` is accepted and changes nothing.

export interface JsonSchemaFormat {
  name: string;
  description?: string;
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: JsonSchemaFormat };

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One readable sentence per problem with the shape of `format`; empty when it is fine. */
export function responseFormatShapeProblems(format: unknown): string[] {
  if (!isObject(format)) return ['response_format must be an object'];
  const { type } = format;
  if (type === 'text' || type === 'json_object') return [];
  if (type !== 'json_schema') return [`response_format.type must be "text", "json_object" or "json_schema" (got ${JSON.stringify(type)})`];
  const spec = format['json_schema'];
  if (!isObject(spec)) return ['response_format.json_schema must be an object'];
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
  if (spec['schema'] !== undefined && !isObject(spec['schema'])) problems.push('response_format.json_schema.schema must be an object');
  return problems;
}
