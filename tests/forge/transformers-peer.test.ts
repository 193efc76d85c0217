// Shown: to transformers.js, a stock loader of the hub's ONNX builds, the forged repos served
// over HTTP in the hub's URL layout are real models: it reads the tokenizer, chat template,
// configs and (chunked) external data, and decodes what our own runner decodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env, type PreTrainedModel } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../scripts/hub-server.ts';
import { HUB_ROOT, fixture, fixtureRepo } from '../../scripts/forge/fixture-set.ts';
import { fixtureModel } from '../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS } from '../helpers/model-runner.ts';

let hub: HubServer;
// In Node, transformers.js hands onnxruntime-node a file path from its file cache.
const cacheDir = mkdtempSync(join(tmpdir(), 'transformers-cache-'));
beforeAll(async () => {
  hub = await startHubServer(HUB_ROOT);
  env.allowLocalModels = false;
  env.cacheDir = cacheDir;
  env.remoteHost = hub.url;
});
afterAll(async () => {
  await hub.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('transformers.js loads the forged repos from a local hub', () => {
  it('tokenizer and chat template render the documented conversation', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(fixtureRepo(fixture('optimum-q4')));
    const text = tokenizer.apply_chat_template(
      [
        { role: 'user', content: 'Hello, how are you?' },
        { role: 'assistant', content: "I'm doing great. How can I help you today?" },
        { role: 'user', content: "I'd like to show off how chat templating works!" },
      ],
      { tokenize: false },
    );
    expect(text).toBe(
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\nI'm doing great. How can I help you today?<|im_end|>\n<|im_start|>user\nI'd like to show off how chat templating works!<|im_end|>\n",
    );
    expect(tokenizer.encode('<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>', { add_special_tokens: false })).toEqual(PROMPT_IDS);
  });

  it.each([
    ['optimum-q4', 'q4'],
    ['gqa-q4f16', 'q4f16'],
    ['optimum-q4-external', 'q4'],
  ] as const)('%s: generate() (greedy, no repetition penalty) gives our tokens', async (id, dtype) => {
    const spec = fixture(id);
    const model = (await AutoModelForCausalLM.from_pretrained(fixtureRepo(spec), { dtype, device: 'cpu' })) as PreTrainedModel;
    const runner = await ModelRunner.open('node', fixtureModel(spec).onnxDir, fixtureModel(spec).fileName);
    try {
      const inputIds = new Tensor('int64', BigInt64Array.from(PROMPT_IDS.map(BigInt)), [1, PROMPT_IDS.length]);
      const attentionMask = new Tensor('int64', new BigInt64Array(PROMPT_IDS.length).fill(1n), [1, PROMPT_IDS.length]);
      const output = (await model.generate({ input_ids: inputIds, attention_mask: attentionMask, max_new_tokens: 8, do_sample: false, repetition_penalty: 1 })) as { tolist(): bigint[][] };
      const generated = output.tolist()[0]!.slice(PROMPT_IDS.length).map(Number);
      expect(generated).toEqual(await runner.greedy(PROMPT_IDS, 8));
    } finally {
      await runner.release();
      await model.dispose();
    }
  });
});
