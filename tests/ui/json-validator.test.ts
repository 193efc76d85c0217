// The structured-output panel's independent check: formats, bounds and extra properties are
// caught, a valid answer has no problems, and no schema is compiled with eval (the CSP forbids it).
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../src/lib/services/json-validator.ts';

const weather = {
  type: 'object',
  properties: { date: { type: 'string', format: 'date' }, humidity: { type: 'integer', minimum: 0, maximum: 100 } },
  required: ['date'],
  additionalProperties: false,
};

describe('schemaValidator', () => {
  it('passes a valid answer and names what is wrong with an invalid one', async () => {
    const validate = await schemaValidator(weather);
    expect(validate({ date: '2024-01-02', humidity: 40 })).toEqual([]);
    const problems = validate({ date: 'tomorrow', humidity: 140, wind: 3 });
    expect(problems.some((p) => p.startsWith('/date'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/humidity'))).toBe(true);
    expect(problems.some((p) => p.includes('wind'))).toBe(true);
    expect(validate({})).not.toEqual([]);
  });

  it('compiles no code: it works where eval and new Function throw, as under the CSP', async () => {
    const realFunction = globalThis.Function;
    const realEval = globalThis.eval;
    const refuse = (): never => {
      throw new EvalError('refused by the Content-Security-Policy');
    };
    globalThis.Function = refuse as unknown as FunctionConstructor;
    globalThis.eval = refuse;
    try {
      // A schema not seen before, so nothing compiled earlier can be reused.
      const validate = await schemaValidator({ ...weather, title: 'under the CSP' });
      expect(validate({ date: '2024-01-02' })).toEqual([]);
      expect(validate({ date: 1 })).not.toEqual([]);
    } finally {
      globalThis.Function = realFunction;
      globalThis.eval = realEval;
    }
  });
});
