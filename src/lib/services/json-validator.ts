// An independent check of the JSON test's answers: @cfworker/json-schema (drafts 4 to 2020-12,
// with formats), loaded on first use so the chat does not pay for it. Not ajv: ajv compiles each
// schema with new Function, which the app's CSP (no 'unsafe-eval') refuses.
export type Validate = (value: unknown) => string[];

/** A validator for `schema`: the problems with a value, empty when it is valid. */
export async function schemaValidator(schema: Record<string, unknown>): Promise<Validate> {
  const { Validator } = await import('@cfworker/json-schema');
  const validator = new Validator(schema, '2020-12', false);
  return (value) => {
    const result = validator.validate(value);
    return result.valid ? [] : result.errors.map((e) => `${e.instanceLocation.replace(/^#/, '') || '/'} ${e.error}`.trim());
  };
}
