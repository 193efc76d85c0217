// Reference decodes for the browser tests: the same forged file run greedily by
// onnxruntime-node in the test process, with the prompt rendered by transformers.js.
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { join } from 'node:path';
import { HUB_ROOT } from '../../scripts/forge/fixture-set.ts';
import { ModelRunner } from '../../tests/helpers/model-runner.ts';
import { HUB_URL } from './hub.ts';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const EOS_IDS = new Set([151645, 151643]);

export async function tokenizerFor(repo: string): Promise<PreTrainedTokenizer> {
  env.allowLocalModels = false;
  env.useFSCache = false;
  env.remoteHost = `${HUB_URL}/`;
  return AutoTokenizer.from_pretrained(repo);
}

/** Greedy tokens (stopping after an eos id, which is included) for a chat prompt. */
export async function referenceGreedy(repo: string, fileName: string, messages: ChatTurn[], maxTokens: number): Promise<number[]> {
  const tokenizer = await tokenizerFor(repo);
  const text = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false }) as string;
  const prompt = tokenizer.encode(text, { add_special_tokens: false }) as number[];
  const runner = await ModelRunner.open('node', join(HUB_ROOT, repo, 'resolve', 'main', 'onnx'), fileName);
  try {
    const tokens = await runner.greedy(prompt, maxTokens);
    const eos = tokens.findIndex((t) => EOS_IDS.has(t));
    return eos >= 0 ? tokens.slice(0, eos + 1) : tokens;
  } finally {
    await runner.release();
  }
}
