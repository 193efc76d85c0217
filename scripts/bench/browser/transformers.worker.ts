// transformers.js v4 on the engine's own onnxruntime-web setup (ort-env.ts: same .wasm files,
// same thread count): AutoModelForCausalLM + generate(), greedy, with its own KV reuse across
// calls (past_key_values), timed token by token through a streamer.
import '../../../workers/engine/ort-env.ts';
import { AutoModelForCausalLM, BaseStreamer, DynamicCache, Tensor, env, type PreTrainedModel, type TextStreamer } from '@huggingface/transformers';
import type { RunFigures } from '../engine/runner.ts';
import type { PeerReply, PeerRequest } from './transformers-protocol.ts';
import { serveRequests } from './worker-server.ts';

let model: PreTrainedModel | null = null;
let cache: DynamicCache | null = null;
let cachedTokens = 0;

class Timestamps extends BaseStreamer {
  readonly times: number[] = [];
  override put(): void {
    this.times.push(performance.now());
  }
  override end(): void {}
}

async function handle(request: PeerRequest): Promise<PeerReply> {
  if (request.kind === 'load') {
    const started = performance.now();
    env.allowLocalModels = false;
    env.useBrowserCache = false;
    env.remoteHost = `${request.hubUrl}/`;
    model = (await AutoModelForCausalLM.from_pretrained(request.repo, { device: request.device, dtype: request.dtype })) as PreTrainedModel;
    return { kind: 'loaded', loadMs: performance.now() - started };
  }
  if (!model) throw new Error('no model loaded');
  if (!request.reuseCache && cache) {
    await cache.dispose();
    cache = null;
    cachedTokens = 0;
  }
  const ids = request.ids;
  const streamer = new Timestamps();
  const started = performance.now();
  const output = (await model.generate({
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    max_new_tokens: request.maxNewTokens,
    do_sample: false,
    repetition_penalty: 1,
    return_dict_in_generate: true,
    // Typed as a TextStreamer; generate() calls only put() and end().
    streamer: streamer as unknown as TextStreamer,
    ...(cache ? { past_key_values: cache } : {}),
  })) as unknown as { sequences: Tensor; past_key_values: DynamicCache };
  // The streamer's first put is the prompt, then one per new token.
  const [, first, ...rest] = streamer.times;
  const figures: RunFigures = {
    prefillTokens: ids.length - cachedTokens,
    firstTokenMs: first! - started,
    decodeTokens: rest.length + 1,
    decodeMs: (rest.at(-1) ?? first!) - first!,
  };
  cache = output.past_key_values;
  cachedTokens = cache.get_seq_length();
  return { kind: 'done', ...figures };
}

serveRequests<PeerRequest, PeerReply>(handle);
