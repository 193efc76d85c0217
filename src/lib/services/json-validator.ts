// An independent check of the JSON test's answers: ajv (JSON Schema 2020-12, with formats),
// loaded on first use so the chat does not pay for it.
import type { ErrorObject } from 'ajv';

export type Validate = (value: unknown) => string[];

let ajvPromise: Promise<import('ajv/dist/2020.js').Ajv2020> | null = null;

async function loadAjv(): Promise<import('ajv/dist/2020.js').Ajv2020> {
  const [{ Ajv2020 }, formats] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  return ajv;
}

/** A validator for `schema`: the problems with a value, empty when it is valid. */
export async function schemaValidator(schema: Record<string, unknown>): Promise<Validate> {
  const ajv = await (ajvPromise ??= loadAjv());
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()));
}
