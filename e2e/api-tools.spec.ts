// Tool calling through /v1 with the official `openai` package, on the forged random-weight
// Qwen2.5 (WASM): named calls for 50 BFCL function schemas whose arguments ajv validates; auto
// lets text through; a streamed call, reassembled by the package, equals the whole one; a tool
// result reaches the prompt in the template's <tool_response> form.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect, test, type Page } from '@playwright/test';
import { openWithModel } from './helpers/api-page.ts';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { installOpenai } from './helpers/openai-bundle.ts';
import { tokenizerFor } from './helpers/reference.ts';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { smallestToolAnswer, vocabularyFromTokenizerJson } from '../workers/grammar/index.ts';

test.describe.configure({ timeout: 240_000 });

/** Tokens each BFCL call may take beyond its smallest answer: the random weights fill them (they
 * rarely pick an end), so this keeps the 50 calls short while leaving values room to vary. */
const SLACK_TOKENS = 6;

interface BfclTool {
  file: string;
  name: string;
  parameters: Record<string, unknown>;
}

/** The first 50 BFCL schemas (sorted by file name) the grammar compiles: scripts/fixtures/bfcl-tools.ts. */
const BFCL: BfclTool[] = JSON.parse(readFileSync(new URL('./fixtures/bfcl-50.json', import.meta.url), 'utf8')) as BfclTool[];

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 20 }, unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'], additionalProperties: false },
  },
};

interface Answer {
  finish: string;
  content: string | null;
  calls?: { name: string; arguments: string }[];
  ids?: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** The openai package's client on this origin's /v1, in the page (installOpenai). */
type Client = { chat: { completions: { create(p: unknown): Promise<any>; stream(p: unknown): { finalChatCompletion(): Promise<any> } } } };

// One test, so the model downloads and loads once.
test('tool calls through /v1: 50 BFCL schemas, auto, streamed equals whole, a tool result in the prompt', async ({ page }) => {
  expect(BFCL).toHaveLength(50);
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  await installOpenai(page);
  await test.step('a tool result reaches the prompt as <tool_response>; auto lets text through; a streamed call equals the whole one', () => roundTrips(page));
  await test.step('a named call for each of 50 BFCL function schemas returns arguments that parse and validate', () => bfclCalls(page));
});

const vocabulary = vocabularyFromTokenizerJson(JSON.parse(readFileSync(join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main', 'tokenizer.json'), 'utf8')), 151_936);

async function bfclCalls(page: Page): Promise<void> {
  const budgets = BFCL.map((tool) => {
    const fn = { name: tool.name, parameters: tool.parameters };
    return smallestToolAnswer({ tools: [{ type: 'function', function: fn }], choice: { type: 'function', function: { name: tool.name } }, parallel: true }, vocabulary) + SLACK_TOKENS;
  });
  const started = Date.now();
  const answers = await page.evaluate(
    async ({ tools, model, budgets }) => {
      const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => Client }).OpenAI;
      const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true });
      const out = [];
      for (const [i, tool] of tools.entries()) {
        const fn = { name: tool.name, parameters: tool.parameters };
        // Sampled at temperature 1 (a seed each), so the random weights write varied values; the
        // budget keeps each call short, and the grammar closes it within it.
        const answer = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Call the function.' }],
          tools: [{ type: 'function', function: fn }],
          tool_choice: { type: 'function', function: { name: tool.name } },
          temperature: 1,
          seed: i,
          max_tokens: budgets[i],
        });
        const message = answer.choices[0].message;
        out.push({ finish: answer.choices[0].finish_reason, content: message.content, calls: message.tool_calls?.map((t: any) => t.function), ids: message.tool_calls?.map((t: any) => t.id), usage: answer.usage });
      }
      return out as Answer[];
    },
    { tools: BFCL, model: TINY_INSTRUCT, budgets },
  );
  const tokens = answers.reduce((sum, a) => sum + a.usage.completion_tokens, 0);
  console.log(`[figures] tools: 50 BFCL named calls valid, ${tokens} tokens (max_tokens ${Math.min(...budgets)} to ${Math.max(...budgets)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const [i, answer] of answers.entries()) {
    const tool = BFCL[i]!;
    expect(answer.finish, tool.file).toBe('tool_calls');
    expect(answer.content, tool.file).toBeNull();
    expect(answer.calls, tool.file).toHaveLength(1);
    const [call] = answer.calls!;
    expect(answer.ids![0]).toMatch(/^call_/);
    expect(call!.name, tool.file).toBe(tool.name);
    const args = JSON.parse(call!.arguments) as unknown;
    const validate = ajv.compile(tool.parameters);
    expect(validate(args), `${tool.file}: ${call!.arguments} ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
}

async function roundTrips(page: Page): Promise<void> {
  const history = [
    { role: 'user' as const, content: 'What is the weather in Paris?' },
    { role: 'assistant' as const, content: null, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' } }] },
    { role: 'tool' as const, tool_call_id: 'call_1', content: '{"temperature": 21, "sky": "clear"}' },
  ];
  const smallestCall = smallestToolAnswer({ tools: [WEATHER], choice: 'required', parallel: true }, vocabulary);
  const run = await page.evaluate(
    async ({ model, weather, history, smallestCall }) => {
      const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => Client }).OpenAI;
      const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true });
      // First, on a fresh answer memory: the prompt as the engine counts it.
      const reply = await client.chat.completions.create({ model, messages: history, tools: [weather], temperature: 0, max_tokens: 4 });
      // What "forced text" means on random weights: no prompt steers such a model, but greedy
      // decoding of this fixed forged model picks text for this prompt, and `auto` must pass that
      // text through exactly as `none` (which masks <tool_call>) does. max_tokens leaves room for
      // a call, so the grammar is not what keeps one out.
      const text = { model, messages: [{ role: 'user', content: 'Say hello, in words.' }], tools: [weather], temperature: 0, max_tokens: smallestCall + 2 };
      const auto = await client.chat.completions.create({ ...text, tool_choice: 'auto' });
      const none = await client.chat.completions.create({ ...text, tool_choice: 'none' });
      const call = { model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weather], tool_choice: 'required', temperature: 0, max_tokens: smallestCall + 12 };
      const whole = await client.chat.completions.create(call);
      const streamed = await client.chat.completions.stream({ ...call, stream: true }).finalChatCompletion();
      const pick = (c: any): Omit<Answer, 'usage' | 'ids'> => ({ finish: c.choices[0].finish_reason, content: c.choices[0].message.content, calls: c.choices[0].message.tool_calls?.map((t: any) => t.function) });
      return { reply: { ...pick(reply), usage: reply.usage as Answer['usage'] }, auto: pick(auto), none: pick(none), whole: pick(whole), streamed: pick(streamed) };
    },
    { model: TINY_INSTRUCT, weather: WEATHER, history, smallestCall },
  );

  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const templated = history.map((m) => (m.role === 'assistant' ? { ...m, content: '', tool_calls: m.tool_calls.map((c) => ({ ...c, function: { ...c.function, arguments: JSON.parse(c.function.arguments) as unknown } })) } : m));
  const prompt = tokenizer.apply_chat_template(templated, { tools: [WEATHER], add_generation_prompt: true, tokenize: false }) as string;
  expect(prompt).toContain('<|im_start|>user\n<tool_response>\n{"temperature": 21, "sky": "clear"}\n</tool_response><|im_end|>\n<|im_start|>assistant\n');
  expect(prompt).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call><|im_end|>');
  expect(run.reply.usage.prompt_tokens).toBe((tokenizer.encode(prompt, { add_special_tokens: false }) as number[]).length);
  expect(run.reply.calls).toBeUndefined();

  expect(run.auto.calls).toBeUndefined();
  expect(run.auto.content!.length).toBeGreaterThan(0);
  expect(run.auto).toEqual(run.none);

  expect(run.whole.finish).toBe('tool_calls');
  expect(run.whole.calls!.length).toBeGreaterThanOrEqual(1);
  for (const call of run.whole.calls!) {
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toMatchObject({ city: expect.any(String), unit: expect.stringMatching(/^(celsius|fahrenheit)$/) });
  }
  expect(run.streamed).toEqual(run.whole);
}
