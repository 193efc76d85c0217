// /v1 logprobs through the official `openai` package on the forged chat model (WASM), checked
// against onnxruntime-node: one pass over the prompt and the generated tokens (teacher forcing)
// gives each position's log-softmax, which every returned logprob and top alternative must
// equal to 1e-4. Chat and completions, whole and streamed; sampled with temperature and the
// model's repetition penalty, which the raw logprobs must not reflect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { ModelRunner } from '../tests/helpers/model-runner.ts';
import { vocabularyFromTokenizerJson } from '../workers/grammar/index.ts';
import { openWithModel } from './helpers/api-page.ts';
import { HUB_URL, TINY_INSTRUCT } from './helpers/hub.ts';
import { installOpenai } from './helpers/openai-bundle.ts';
import { promptTokens, tokenizerFor } from './helpers/reference.ts';

const TOLERANCE = 1e-4;
const MESSAGES = [{ role: 'user' as const, content: 'Name three colours.' }];
const PROMPT = 'The capital of France is';
const SAMPLING = { temperature: 0.8, seed: 11, max_tokens: 8 };
type Run = 'chat' | 'chat-stream' | 'completion' | 'completion-stream';
/** top_logprobs of each chat request, logprobs of each completions one (their maximums, and less). */
const TOP_ASKED: Record<Run, number> = { chat: 20, 'chat-stream': 3, completion: 5, 'completion-stream': 2 };

/** One answer's tokens as the API gave them, in one form for both endpoints. */
interface Answered {
  text: string;
  finish: string;
  completionTokens: number;
  /** Completions only: where each token starts in the text. */
  offsets?: number[];
  tokens: { token: string; logprob: number; bytes: number[] | null; top: { token: string; logprob: number; bytes: number[] | null }[] }[];
}

function askAll(page: Page): Promise<Record<Run, Answered>> {
  return page.evaluate(
    async ({ model, messages, prompt, sampling, top }) => {
      const OpenAI = (window as unknown as { OpenAI: new (o: Record<string, unknown>) => any }).OpenAI;
      const client = new OpenAI({ baseURL: `${location.origin}/v1`, apiKey: 'local', dangerouslyAllowBrowser: true });
      const fromChat = (entries: any[]) => entries.map((e) => ({ token: e.token, logprob: e.logprob, bytes: e.bytes, top: e.top_logprobs }));
      const fromCompletion = (l: any) =>
        l.tokens.map((token: string, i: number) => ({ token, logprob: l.token_logprobs[i], bytes: null, top: Object.entries(l.top_logprobs[i]).map(([t, logprob]) => ({ token: t, logprob, bytes: null })) }));
      const streamUsage = { stream: true, stream_options: { include_usage: true } };

      const chat = await client.chat.completions.create({ model, messages, ...sampling, logprobs: true, top_logprobs: top.chat });
      const chatStream = { text: '', finish: '', completionTokens: 0, tokens: [] as any[] };
      for await (const chunk of await client.chat.completions.create({ model, messages, ...sampling, seed: sampling.seed + 1, logprobs: true, top_logprobs: top['chat-stream'], ...streamUsage })) {
        const choice = chunk.choices[0];
        chatStream.text += choice?.delta?.content ?? '';
        chatStream.tokens.push(...fromChat(choice?.logprobs?.content ?? []));
        if (choice?.finish_reason) chatStream.finish = choice.finish_reason;
        if (chunk.usage) chatStream.completionTokens = chunk.usage.completion_tokens;
      }
      const done = await client.completions.create({ model, prompt, ...sampling, logprobs: top.completion });
      const completionStream = { text: '', finish: '', completionTokens: 0, tokens: [] as any[], offsets: [] as number[] };
      for await (const chunk of await client.completions.create({ model, prompt, ...sampling, seed: sampling.seed + 1, logprobs: top['completion-stream'], ...streamUsage })) {
        const choice = chunk.choices[0];
        completionStream.text += choice?.text ?? '';
        if (choice?.logprobs) {
          completionStream.tokens.push(...fromCompletion(choice.logprobs));
          completionStream.offsets.push(...choice.logprobs.text_offset);
        }
        if (choice?.finish_reason) completionStream.finish = choice.finish_reason;
        if (chunk.usage) completionStream.completionTokens = chunk.usage.completion_tokens;
      }
      const c = chat.choices[0];
      const d = done.choices[0];
      return {
        chat: { text: c.message.content, finish: c.finish_reason, completionTokens: chat.usage.completion_tokens, tokens: fromChat(c.logprobs.content) },
        'chat-stream': chatStream,
        completion: { text: d.text, finish: d.finish_reason, completionTokens: done.usage.completion_tokens, tokens: fromCompletion(d.logprobs), offsets: d.logprobs.text_offset },
        'completion-stream': completionStream,
      };
    },
    { model: TINY_INSTRUCT, messages: MESSAGES, prompt: PROMPT, sampling: SAMPLING, top: TOP_ASKED },
  );
}

/** Each token id's text decoded alone and its bytes, as the engine reports them, and the ids of each. */
interface TokenTable {
  text: string[];
  bytes: number[][];
  byText: Map<string, number[]>;
  byBytes: Map<string, number[]>;
}

async function tokenTable(): Promise<TokenTable> {
  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const json = JSON.parse(readFileSync(join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main', 'tokenizer.json'), 'utf8')) as unknown;
  const config = JSON.parse(readFileSync(join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main', 'config.json'), 'utf8')) as { vocab_size: number };
  const vocabulary = vocabularyFromTokenizerJson(json, config.vocab_size);
  const text = Array.from({ length: vocabulary.size }, (_, id) => tokenizer.decode([id], { skip_special_tokens: false }));
  const bytes = text.map((t, id) => Array.from(vocabulary.tokenBytes[id] ?? new TextEncoder().encode(t)));
  const index = (keys: string[]): Map<string, number[]> => {
    const map = new Map<string, number[]>();
    keys.forEach((key, id) => map.set(key, [...(map.get(key) ?? []), id]));
    return map;
  };
  return { text, bytes, byText: index(text), byBytes: index(bytes.map(String)) };
}

/** The `count` best ids of a row, best first (a typed-array sort finds the cut-off). */
function topIds(row: Float32Array, count: number): number[] {
  if (count === 0) return [];
  const cutoff = Float32Array.from(row).sort()[row.length - count]!;
  const ids = Array.from(row.keys()).filter((id) => row[id]! >= cutoff);
  return ids.sort((a, b) => row[b]! - row[a]!).slice(0, count);
}

/** log-softmax of one logits row, in float64. */
function logSoftmax(row: Float32Array): (id: number) => number {
  const max = row.reduce((m, x) => Math.max(m, x), -Infinity);
  const logSum = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
  return (id) => row[id]! - logSum;
}

/**
 * The ids of the returned tokens. Chat's bytes, or completions' text, name one id, except for
 * the padding ids past the tokenizer's (no bytes, no text) and a completions token with half a
 * character (U+FFFD): those are told apart by their logprob at that position.
 */
async function tokenIds(runner: ModelRunner, table: TokenTable, prompt: number[], tokens: Answered['tokens']): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, t] of tokens.entries()) {
    const named = (t.bytes ? table.byBytes.get(String(t.bytes)) : table.byText.get(t.token)) ?? [];
    expect(named.length, `token ${i} ${JSON.stringify(t.token)} names no id`).toBeGreaterThan(0);
    if (named.length > 1) {
      const { logits, vocab } = await runner.forward([...prompt, ...ids]);
      const ref = logSoftmax(logits.subarray(logits.length - vocab));
      const [closest, next] = named.map((id) => ({ id, off: Math.abs(ref(id) - t.logprob) })).sort((a, b) => a.off - b.off);
      expect(closest!.off, `token ${i}: no id of its text has its logprob`).toBeLessThanOrEqual(TOLERANCE);
      expect(next!.off, `token ${i}: two ids of its text have its logprob`).toBeGreaterThan(2 * TOLERANCE);
      ids.push(closest!.id);
    } else ids.push(named[0]!);
  }
  return ids;
}

test('logprobs and top logprobs equal onnxruntime-node\'s log-softmax on the same tokens: chat and completions, whole and streamed', async ({ page }) => {
  test.setTimeout(180_000);
  await openWithModel(page, HUB_URL, TINY_INSTRUCT);
  await installOpenai(page);
  const runs = await askAll(page);
  const table = await tokenTable();
  const runner = await ModelRunner.open('node', join(HUB_ROOT, TINY_INSTRUCT, 'resolve', 'main', 'onnx'), 'model_q4.onnx');
  let maxDiff = 0;
  let compared = 0;
  const figures: string[] = [];
  try {
    for (const [name, run] of Object.entries(runs) as [Run, Answered][]) {
      const chat = name.startsWith('chat');
      const topAsked = TOP_ASKED[name];
      // The closing end-of-sequence token has no entry.
      expect(run.tokens.length, name).toBe(run.completionTokens - (run.finish === 'stop' ? 1 : 0));
      expect(run.tokens.length, name).toBeGreaterThan(0);
      const prompt = await promptTokens(TINY_INSTRUCT, chat ? { messages: MESSAGES } : { prompt: PROMPT });
      const ids = await tokenIds(runner, table, prompt, run.tokens);
      expect(Buffer.from(ids.flatMap((id) => table.bytes[id]!)).toString('utf8'), name).toBe(run.text);
      if (!chat) expect(run.offsets, name).toEqual(run.tokens.map((_, i) => run.tokens.slice(0, i).reduce((at, t) => at + [...t.token].length, 0)));

      const { logits, vocab } = await runner.forward([...prompt, ...ids.slice(0, -1)]);
      run.tokens.forEach((t, i) => {
        const row = logits.subarray((prompt.length - 1 + i) * vocab, (prompt.length + i) * vocab);
        const ref = logSoftmax(row);
        const check = (got: number, want: number, what: string): void => {
          maxDiff = Math.max(maxDiff, Math.abs(got - want));
          compared++;
          expect(Math.abs(got - want), `${name} token ${i} ${what}: ${got} vs ${want}`).toBeLessThanOrEqual(TOLERANCE);
        };
        check(t.logprob, ref(ids[i]!), 'logprob');
        const best = topIds(row, topAsked);
        if (chat) {
          // In the reference's order (by value, so a near tie may swap two ids), each named by its bytes.
          expect(t.top, name).toHaveLength(topAsked);
          t.top.forEach((c, j) => {
            check(c.logprob, ref(best[j]!), `top ${j}`);
            const named = table.byBytes.get(String(c.bytes)) ?? [];
            // Padding ids past the tokenizer's have no bytes, so no name: the value by rank above stands.
            if (named.length === 1) check(c.logprob, ref(named[0]!), `top ${j} ${JSON.stringify(c.token)}`);
          });
        } else {
          // { text: logprob }: the top ids and the chosen one, a text shared by two keeping the better value.
          const keyed = [...best, ids[i]!];
          expect(new Set(t.top.map((c) => c.token))).toEqual(new Set(keyed.map((id) => table.text[id]!)));
          for (const c of t.top) check(c.logprob, Math.max(...keyed.filter((id) => table.text[id] === c.token).map(ref)), `top ${JSON.stringify(c.token)}`);
        }
      });
      figures.push(`${name}: ${run.tokens.length} tokens (${run.finish}) ${JSON.stringify(run.text)}`);
    }
  } finally {
    await runner.release();
  }
  console.log(`[figures] /v1 logprobs vs onnxruntime-node log-softmax: max |diff| ${maxDiff.toExponential(2)} over ${compared} values; ${figures.join('; ')}`);
});
