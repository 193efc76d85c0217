// JSON mode and JSON Schema through the engine in the browser: a random-weight model, which
// writes nonsense when free, answers with documents that parse and that ajv validates, on WASM
// and on WebGPU; bad schemas and budgets too small are refused before any decoding.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect, test } from '@playwright/test';
import type { ResponseFormat } from '../workers/protocol/response-format.ts';
import { SCHEMAS } from '../tests/workers/grammar/schemas.ts';
import { generate, generateError, openEngine } from './helpers/engine-page.ts';
import { TINY_INSTRUCT } from './helpers/hub.ts';

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const ASK = [{ role: 'user' as const, content: 'What is the weather in Hangzhou today? Answer in JSON.' }];
const schemaNamed = (name: string): Record<string, unknown> => SCHEMAS.find((c) => c.name === name)!.schema;
const asFormat = (schema: Record<string, unknown>): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });

function expectValid(schema: object, text: string): void {
  const value: unknown = JSON.parse(text);
  const validate = ajv.compile(schema);
  expect(validate(value), `${text}\n${ajv.errorsText(validate.errors)}`).toBe(true);
}

test('on WASM: schemas of every shape, greedy and sampled at temperature 1, always parse and validate', async ({ page }) => {
  test.setTimeout(300_000);
  await openEngine(page, TINY_INSTRUCT, 'wasm');
  const names = ['weather query (the tutorial)', 'nested objects', 'array of objects', 'recursive tree', 'oneOf with discriminator', 'tuple', 'string limits', 'date-time', 'tool call'];
  for (const name of names) {
    for (const sampling of [{ temperature: 0 }, { temperature: 1, top_k: 0, top_p: 1, seed: 7 }]) {
      const result = await generate(page, { input: { mode: 'chat', messages: ASK }, maxTokens: 80, sampling, responseFormat: asFormat(schemaNamed(name)) });
      expect(result.stats.finishReason, `${name}: ${result.text}`).toBe('stop');
      expectValid(schemaNamed(name), result.text);
    }
  }
  const free = await generate(page, { input: { mode: 'chat', messages: ASK }, maxTokens: 60, sampling: { temperature: 1, seed: 3 }, responseFormat: { type: 'json_object' } });
  expect(typeof JSON.parse(free.text)).toBe('object');
  console.log(`json_object on a random-weight model: ${free.text}`);
});

test('on WebGPU: a small schema is answered with a valid document', async ({ page }) => {
  test.setTimeout(300_000);
  await openEngine(page, TINY_INSTRUCT, 'webgpu');
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
  const result = await generate(page, { input: { mode: 'chat', messages: ASK }, maxTokens: 12, sampling: { temperature: 0 }, responseFormat: asFormat(schema) });
  expect(result.stats.finishReason).toBe('stop');
  expect(JSON.parse(result.text)).toEqual({ ok: expect.any(Boolean) as unknown });
});

test('unsupported keywords, invalid schemas and budgets too small get clear errors, and the engine keeps working', async ({ page }) => {
  await openEngine(page, TINY_INSTRUCT, 'wasm');
  const request = (responseFormat: unknown, maxTokens = 40) => ({ input: { mode: 'chat' as const, messages: ASK }, maxTokens, responseFormat: responseFormat as ResponseFormat });
  const unsupported = await generateError(page, request(asFormat({ type: 'object', if: { required: ['a'] }, then: { required: ['b'] } })));
  expect(unsupported).toMatchObject({ code: 'invalid_request' });
  expect(unsupported?.message).toMatch(/response_format: .*"if"/);
  const invalid = await generateError(page, request(asFormat({ type: 'array', minItems: 3, maxItems: 1 })));
  expect(invalid?.message).toMatch(/minItems/);
  const shape = await generateError(page, request({ type: 'json_schema' }));
  expect(shape?.message).toMatch(/response_format: .*json_schema/);
  const tooSmall = await generateError(page, request(asFormat(schemaNamed('weather query (the tutorial)')), 5));
  expect(tooSmall?.message).toMatch(/response_format: .*max/i);
  const ok = await generate(page, request({ type: 'json_object' }, 30));
  expect(typeof JSON.parse(ok.text)).toBe('object');
});
