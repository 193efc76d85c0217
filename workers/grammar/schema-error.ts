// The error for a JSON Schema the grammar cannot enforce: an unsupported keyword, or a schema
// that is invalid or admits no document. `keyword` names the culprit and `path` is the JSON
// Pointer (RFC 6901) to it inside the schema, so the API can report it as is.

export class SchemaError extends Error {
  readonly keyword: string;
  readonly path: string;

  constructor(keyword: string, path: string, problem: string) {
    super(`${problem} (keyword "${keyword}" at ${path === '' ? 'the schema root' : path})`);
    this.name = 'SchemaError';
    this.keyword = keyword;
    this.path = path;
  }
}

/** `base` extended by one JSON Pointer token, escaped as RFC 6901 asks. */
export function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
