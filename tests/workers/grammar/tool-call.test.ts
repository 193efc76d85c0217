// Shown: with random logits over Qwen2.5's vocabulary (a random-weight model), tool_choice
// required or named gives only `<tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>` calls
// whose name is a tool's and whose arguments ajv validates against its parameters, within
// max_tokens; parallel_tool_calls false gives one; auto lets text out and guards a call once one
// starts; none never opens one; a schema the grammar refuses names its tool, keyword and path.
import { describe, expect, it } from 'vitest';
import { smallestToolAnswer, ToolCallConstraint, ToolSchemaError } from '../../../workers/grammar/tool-call.ts';
import { Random } from '../../../workers/generation/random.ts';
import { createSampler } from '../../../workers/generation/sampler.ts';
import { GREEDY } from '../../../workers/generation/sampling-params.ts';
import type { ToolChoice, ToolDefinition, ToolUse } from '../../../workers/protocol/tools.ts';
import { EOS_IDS, QWEN_LOGITS, qwenVocabulary, validationProblem } from './helpers.ts';

const vocab = qwenVocabulary();
const TOKENS = { open: 151_657, close: 151_658, newline: 198 };

const TOOLS: ToolDefinition[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_flights',
      parameters: { type: 'object', properties: { from: { type: 'string', maxLength: 4 }, stops: { type: 'integer', minimum: 0, maximum: 3 }, dates: { type: 'array', items: { format: 'date' }, maxItems: 2 } }, required: ['from'] },
    },
  },
  { type: 'function', function: { name: 'now' } },
];

interface Run {
  choice: ToolChoice;
  parallel?: boolean;
  maxTokens?: number;
  seed: number;
  /** Added to the logit of these ids every step. */
  bias?: Record<number, number>;
}

function run({ choice, parallel = true, maxTokens = 160, seed, bias = {} }: Run): { text: string; calls: number; ended: boolean; tokens: number[] } {
  const use: ToolUse = { tools: TOOLS, choice, parallel };
  const constraint = new ToolCallConstraint(use, vocab, { maxTokens, eosTokenIds: EOS_IDS, tokens: TOKENS });
  const random = new Random(seed);
  const sampler = createSampler({ ...GREEDY, temperature: 1, seed });
  const tokens: number[] = [];
  while (tokens.length < maxTokens) {
    const logits = Float32Array.from({ length: QWEN_LOGITS }, () => random.next() * 8);
    for (const [id, add] of Object.entries(bias)) logits[Number(id)]! += add;
    const context = { promptTokens: [], generatedTokens: tokens };
    constraint.apply(logits, context);
    const token = sampler.sample(logits, context);
    if (EOS_IDS.includes(token)) return { text: spell(tokens), calls: constraint.calls, ended: true, tokens };
    tokens.push(token);
  }
  return { text: spell(tokens), calls: constraint.calls, ended: false, tokens };
}

/** The text of `tokens`, the added ones by name (bytes joined first: a token may end mid-character). */
function spell(tokens: readonly number[]): string {
  const named: Record<number, string> = { [TOKENS.open]: '<tool_call>', [TOKENS.close]: '</tool_call>' };
  const bytes = tokens.flatMap((id) => [...(vocab.tokenBytes[id] ?? new TextEncoder().encode(named[id] ?? `<${id}>`))]);
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
}

/** The calls in `text`, each checked against its tool's parameters. */
function expectValidCalls(text: string, where: string): number {
  const calls = [...text.matchAll(/<tool_call>\n(.*?)\n<\/tool_call>/gs)];
  expect(calls.map((c) => c[0]).join('\n'), where).toBe(text.slice(text.indexOf('<tool_call>')));
  for (const [, json] of calls) {
    const call = JSON.parse(json!) as { name: string; arguments: unknown };
    expect(Object.keys(call), where).toEqual(['name', 'arguments']);
    const tool = TOOLS.find((t) => t.function.name === call.name);
    expect(tool, where).toBeDefined();
    const schema = tool!.function.parameters ?? { type: 'object', additionalProperties: false };
    expect(validationProblem(schema, JSON.stringify(call.arguments)), where).toBeNull();
  }
  return calls.length;
}

describe('tool calls with random logits', () => {
  it('required: only valid calls, one or more, ended within max_tokens', () => {
    for (const seed of [1, 2, 3, 4]) {
      const { text, calls, ended } = run({ choice: 'required', seed });
      expect(ended, text).toBe(true);
      expect(text.startsWith('<tool_call>\n{"name": "'), text).toBe(true);
      expect(expectValidCalls(text, text)).toBe(calls);
      expect(calls).toBeGreaterThanOrEqual(1);
    }
  });

  it('parallel calls come when allowed: the newline after a call is favoured', () => {
    const { text, calls } = run({ choice: 'required', seed: 5, bias: { [TOKENS.newline]: 40 }, maxTokens: 200 });
    expect(calls, text).toBeGreaterThan(1);
    expect(expectValidCalls(text, text)).toBe(calls);
  });

  it('parallel_tool_calls false and a named function: exactly one call', () => {
    const single = run({ choice: 'required', parallel: false, seed: 6, bias: { [TOKENS.newline]: 40 } });
    expect(single.calls, single.text).toBe(1);
    const named = run({ choice: { type: 'function', function: { name: 'search_flights' } }, seed: 7, bias: { [TOKENS.newline]: 40 } });
    expect(named.calls, named.text).toBe(1);
    expect(named.text.startsWith('<tool_call>\n{"name": "search_flights", "arguments": {'), named.text).toBe(true);
    expectValidCalls(named.text, named.text);
  });

  it('fits max_tokens at the very least a call takes', () => {
    // `{"name": "now", "arguments": {}}` (11 tokens at fewest), the four around it, the end of sequence.
    const now: ToolUse = { tools: TOOLS, choice: { type: 'function', function: { name: 'now' } }, parallel: true };
    expect(smallestToolAnswer(now, vocab)).toBe(16);
    for (const maxTokens of [16, 17, 22]) {
      const { text, calls, ended } = run({ choice: { type: 'function', function: { name: 'now' } }, maxTokens, seed: maxTokens });
      expect(ended, `${maxTokens}: ${text}`).toBe(true);
      expect(calls).toBe(1);
    }
    expect(() => new ToolCallConstraint({ tools: TOOLS, choice: 'required', parallel: true }, vocab, { maxTokens: 6, eosTokenIds: EOS_IDS, tokens: TOKENS })).toThrow(RangeError);
  });

  it('a call may end in one merged token such as `"}}\\n` (as the tokenizer spells it), only where it finishes the JSON', () => {
    const merged = [...vocab.tokenBytes.keys()].filter((id) => /^["\]]?}+\n$/.test(new TextDecoder().decode(vocab.tokenBytes[id] ?? new Uint8Array())));
    expect(merged.length).toBeGreaterThan(3);
    const bias = Object.fromEntries(merged.map((id) => [id, 30]));
    for (const seed of [12, 13, 14]) {
      const { text, calls, ended, tokens } = run({ choice: 'required', seed, bias, parallel: false });
      expect(ended, text).toBe(true);
      expect(calls).toBe(1);
      expect(merged).toContain(tokens.at(-2));
      expect(tokens.at(-1)).toBe(TOKENS.close);
      expectValidCalls(text, text);
    }
  });

  it('auto: text comes out; once <tool_call> does, the call is valid', () => {
    const text = run({ choice: 'auto', seed: 8, maxTokens: 30 });
    expect(text.calls).toBe(0);
    expect(text.text.length).toBeGreaterThan(0);
    const call = run({ choice: 'auto', seed: 9, bias: { [TOKENS.open]: 60 } });
    expect(call.calls, call.text).toBeGreaterThanOrEqual(1);
    expectValidCalls(call.text, call.text);
  });

  it('none: <tool_call> never comes, however favoured', () => {
    const { text, calls } = run({ choice: 'none', seed: 10, maxTokens: 20, bias: { [TOKENS.open]: 60 } });
    expect(calls).toBe(0);
    expect(text).not.toContain('<tool_call>');
  });

  it('auto near max_tokens: no call starts that could not finish', () => {
    const { text, calls } = run({ choice: 'auto', seed: 11, maxTokens: 12, bias: { [TOKENS.open]: 60 } });
    expect(calls).toBe(0);
    expect(text).not.toContain('<tool_call>');
  });

  it('a parameters schema the grammar refuses names the tool, keyword and path', () => {
    const tools: ToolDefinition[] = [TOOLS[0]!, { type: 'function', function: { name: 'bad', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '(?=x)' } } } } }];
    let error: unknown;
    try {
      new ToolCallConstraint({ tools, choice: 'auto', parallel: true }, vocab, { maxTokens: 50, eosTokenIds: EOS_IDS, tokens: TOKENS });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ToolSchemaError);
    const { toolIndex, schemaError } = error as ToolSchemaError;
    expect(toolIndex).toBe(1);
    expect(schemaError.keyword).toBe('pattern');
    expect(schemaError.path).toBe('/properties/a/pattern');
  });
});
