// The JSON structured-output test panel driven through the UI on a forged random-weight model:
// the tutorial's weather schema answered with valid JSON (checked again here by ajv), live
// schema checks naming an unsupported keyword, JSON mode, the pretty-printed, copyable answer, and
// the tool-calling demo (the model calls the tool, the user answers as the tool, the model replies).
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect, test } from '@playwright/test';
import { JSON_EXAMPLES, WEATHER_TOOL } from '../src/lib/components/structured/examples.ts';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { loadModel, openChat } from './helpers/ui-chat.ts';

const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

test('the JSON panel answers the weather query with JSON that validates, checks schemas live, has JSON mode, and a tool-calling demo', async ({ page, context }) => {
  test.setTimeout(240_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openChat(page, { hub: HUB_URL, model: TINY_INSTRUCT });
  await loadModel(page);
  await page.getByTestId('structured-tab').click();
  const panel = page.getByTestId('json-panel');
  await expect(panel).toBeVisible();

  // The weather example is the default; the schema checks as typed.
  const schema = page.getByTestId('json-schema-input');
  await schema.fill('{"type": "string", "pattern": "(?<=a)b"}');
  await expect(page.getByTestId('json-schema-status')).toContainText('lookaround');
  await expect(page.getByTestId('json-run')).toBeDisabled();
  await schema.fill('{"type": "object",');
  await expect(page.getByTestId('json-schema-status')).toContainText('Not valid JSON');
  await page.getByTestId('json-example').selectOption('weather');
  await expect(page.getByTestId('json-schema-status')).toContainText('can be enforced');

  await page.getByTestId('json-max-tokens').fill('80');
  await page.getByTestId('json-run').click();
  await expect(page.getByTestId('json-valid')).toHaveAttribute('data-valid', 'true', { timeout: 120_000 });
  const text = await page.getByTestId('json-output').textContent();
  const value: unknown = JSON.parse(text!);
  expect(text).toBe(JSON.stringify(value, null, 2)); // pretty-printed
  expect(ajv.validate(JSON_EXAMPLES.find((e) => e.id === 'weather')!.schema!, value), text!).toBe(true);
  await panel.getByRole('button', { name: 'Copy' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);

  // JSON mode: any object.
  await page.getByTestId('json-any-object').check();
  await page.getByTestId('json-max-tokens').fill('40');
  await page.getByTestId('json-run').click();
  await expect(page.getByTestId('json-valid')).toHaveAttribute('data-valid', 'true', { timeout: 120_000 });
  const object: unknown = JSON.parse((await page.getByTestId('json-output').textContent())!);
  expect(typeof object === 'object' && object !== null && !Array.isArray(object)).toBe(true);

  // The tool-calling demo, on the same loaded model: the model calls, the user answers as the tool.
  const demo = page.getByTestId('tool-demo');
  await demo.getByTestId('tool-definition').fill('{"name": "get weather"}');
  await expect(demo.getByTestId('tool-definition-status')).toContainText('name');
  await expect(demo.getByTestId('tool-ask')).toBeDisabled();
  await demo.getByTestId('tool-definition').fill(JSON.stringify(WEATHER_TOOL));
  await demo.getByTestId('tool-max-tokens').fill('40');
  await demo.getByTestId('tool-ask').click();
  const call = (await demo.getByTestId('tool-call').textContent({ timeout: 60_000 }))!;
  const [, name, args] = /^(\w+)\(([\s\S]*)\)$/.exec(call)!;
  expect(name).toBe('get_weather');
  expect(ajv.validate(WEATHER_TOOL.parameters, JSON.parse(args!)), call).toBe(true);
  await demo.getByTestId('tool-max-tokens').fill('12');
  await demo.getByTestId('tool-result').fill('{"temperature_c": 21}');
  await demo.getByTestId('tool-reply').click();
  await expect(demo.getByTestId('tool-answer')).not.toBeEmpty({ timeout: 60_000 });
  await expect(demo.getByTestId('tool-reply')).toBeEnabled();
});
