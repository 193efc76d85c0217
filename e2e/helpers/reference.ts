// Reference decodes for the browser tests: the same forged file (or the same conversion of an
// official-layout one) run greedily by onnxruntime-node in the test process, with the prompt
// rendered by transformers.js.
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_ROOT } from '../../scripts/forge/fixture-set.ts';
import { ModelRunner, type Backend } from '../../tests/helpers/model-runner.ts';
import { convertToDisk } from '../../tests/helpers/convert-to-disk.ts';
import { HUB_URL } from './hub.ts';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export async function tokenizerFor(repo: string): Promise<PreTrainedTokenizer> {
  env.allowLocalModels = false;
  env.useFSCache = false;
  env.remoteHost = `${HUB_URL}/`;
  return AutoTokenizer.from_pretrained(repo);
}

export type ReferenceInput = { messages: ChatTurn[] } | { prompt: string };

/** The repo's end-of-sequence ids, as the engine takes them: generation_config plus the tokenizer's eos. */
function eosIds(repo: string, tokenizer: PreTrainedTokenizer): Set<number> {
  const config = JSON.parse(readFileSync(join(HUB_ROOT, repo, 'resolve', 'main', 'generation_config.json'), 'utf8')) as { eos_token_id: number | number[] };
  return new Set([config.eos_token_id, tokenizer.eos_token_id].flat().filter((id): id is number => typeof id === 'number'));
}

/** The prompt's token ids as the engine renders it: the chat template for a chat, else the raw text. */
export async function promptTokens(repo: string, input: ReferenceInput): Promise<number[]> {
  const tokenizer = await tokenizerFor(repo);
  const text = 'messages' in input ? (tokenizer.apply_chat_template(input.messages, { add_generation_prompt: true, tokenize: false }) as string) : input.prompt;
  return tokenizer.encode(text, { add_special_tokens: false }) as number[];
}

/**
 * Greedy tokens (stopping after an eos id, which is included) for a chat (rendered with the
 * chat template) or a raw completion prompt, decoded by onnxruntime-node or -web (WASM) here.
 */
export async function referenceGreedy(repo: string, fileName: string, input: ReferenceInput, maxTokens: number, backend: Backend = 'node', chunk = Infinity, onnxDir = join(HUB_ROOT, repo, 'resolve', 'main', 'onnx')): Promise<number[]> {
  const tokenizer = await tokenizerFor(repo);
  const prompt = await promptTokens(repo, input);
  const runner = await ModelRunner.open(backend, onnxDir, fileName);
  try {
    const tokens = await runner.greedy(prompt, maxTokens, chunk);
    const stop = eosIds(repo, tokenizer);
    const eos = tokens.findIndex((t) => stop.has(t));
    return eos >= 0 ? tokens.slice(0, eos + 1) : tokens;
  } finally {
    await runner.release();
  }
}

const converted = new Map<string, Promise<string>>();

/**
 * The ONNX model the app builds from an official-layout fixture (safetensors), built here by the
 * same converter from the same files into a temporary folder, once per repo and dtype: the
 * graph the browser runs, for onnxruntime-node to decode.
 */
export function convertedOnnxDir(repo: string, dtype: 'q4' | 'q4f16'): Promise<string> {
  const key = `${repo}|${dtype}`;
  let dir = converted.get(key);
  if (!dir) converted.set(key, (dir = convertInto(repo, dtype)));
  return dir;
}

async function convertInto(repo: string, dtype: 'q4' | 'q4f16'): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'converted-'));
  await convertToDisk(join(HUB_ROOT, repo, 'resolve', 'main'), out, { dtype });
  return out;
}
