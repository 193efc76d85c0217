// Runs the model over new tokens after the cached ones (batch 1): builds the feeds the graph's
// contract asks for, commits present.* to the cache, and returns the last position's logits.
import { ort } from './ort-env.ts';
import type { KvCache } from './kv-cache.ts';
import type { GraphContract } from './ort-session.ts';

/** The logits of one prefill chunk stay under this (the graph computes them for every position). */
const LOGITS_BUDGET_BYTES = 64 * 2 ** 20;

export class Decoder {
  readonly #session: ort.InferenceSession;
  readonly #contract: GraphContract;
  readonly chunkTokens: number;

  constructor(session: ort.InferenceSession, contract: GraphContract) {
    this.#session = session;
    this.#contract = contract;
    this.chunkTokens = Math.max(1, Math.floor(LOGITS_BUDGET_BYTES / (contract.vocab * 4)));
  }

  /** Feeds `ids` in chunks; returns the logits after the last one. */
  async prefill(ids: readonly number[], cache: KvCache): Promise<Float32Array> {
    let logits: Float32Array | null = null;
    for (let start = 0; start < ids.length; start += this.chunkTokens) {
      logits = await this.step(ids.slice(start, start + this.chunkTokens), cache);
    }
    if (!logits) throw new Error('prefill of no tokens');
    return logits;
  }

  async step(ids: readonly number[], cache: KvCache): Promise<Float32Array> {
    const past = cache.tokens.length;
    const total = past + ids.length;
    const feeds: Record<string, ort.Tensor> = {
      ...cache.pastFeeds(),
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.#contract.hasPositionIds) {
      feeds['position_ids'] = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]);
    }
    const outputs = await this.#session.run(feeds);
    const logitsTensor = outputs['logits']!;
    const vocab = logitsTensor.dims[2]!;
    const all = (await logitsTensor.getData()) as Float32Array;
    const last = all.slice(all.length - vocab);
    logitsTensor.dispose();
    cache.commit(ids, outputs);
    return last;
  }
}
