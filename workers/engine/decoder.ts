// Runs the model over new tokens after the cached ones (batch 1): builds the feeds the graph's
// contract asks for, runs the pipeline (which keeps the KV), and returns the logits of the last
// positions. Prefill goes in chunks whose largest intermediate stays within a budget.
import { ort } from './ort-env.ts';
import type { GraphContract } from './ort-session.ts';
import type { Pipeline } from './pipeline.ts';

/** A graph computing logits for every position: one chunk's logits stay under this. */
const LOGITS_BUDGET_BYTES = 64 * 2 ** 20;
/** The attention scores of one chunk (chunk x context x heads floats, in the plain-ops graphs). */
const ATTENTION_BUDGET_BYTES = 256 * 2 ** 20;
const MAX_CHUNK_TOKENS = 512;
/**
 * With the logits slice, the fewest rows a prefill chunk sends through the lm_head on WebGPU:
 * onnxruntime's WebGPU MatMulNBits runs a GEMV kernel below 4 rows and a tiled one from 4, and
 * on SwiftShader 1 row took 8-10x the time of 4 (128 x 151,936 lm_head, `npm run bench:kernels`).
 * Weight reads, the same for 1 row or 4, are what the lm_head costs on a real GPU.
 */
export const WEBGPU_MIN_LOGITS_ROWS = 4;

export class Decoder {
  readonly #contract: GraphContract;
  readonly #attentionBudget: number;
  readonly #logitsBudget: number;
  readonly #minLogitsRows: number;

  /**
   * `bufferLimit`: the adapter's largest storage binding, which one intermediate must fit;
   * `minLogitsRows`: the rows a sliced lm_head runs on at least, when the chunk has them.
   */
  constructor(contract: GraphContract, bufferLimit = Infinity, minLogitsRows = 1) {
    this.#contract = contract;
    this.#minLogitsRows = minLogitsRows;
    // Half the limit: onnxruntime rounds a buffer up to its size bucket.
    this.#attentionBudget = Math.min(ATTENTION_BUDGET_BYTES, bufferLimit / 2);
    this.#logitsBudget = Math.min(LOGITS_BUDGET_BYTES, bufferLimit / 2);
  }

  /** Tokens in the next prefill chunk after `past` cached ones; `allRows`: each returns its logits (teacher forcing). */
  chunkTokens(past: number, allRows = false): number {
    const { heads, vocab, hasLogitsStart } = this.#contract;
    let chunk = MAX_CHUNK_TOKENS;
    if (allRows || !hasLogitsStart) chunk = Math.min(chunk, Math.max(1, Math.floor(this.#logitsBudget / (vocab * 4))));
    // chunk * (past + chunk) * heads * 4 <= budget, solved for chunk.
    const a = heads * 4;
    const byAttention = Math.floor((-a * past + Math.sqrt(a * a * past * past + 4 * a * this.#attentionBudget)) / (2 * a));
    return Math.max(1, Math.min(chunk, byAttention));
  }

  /** Feeds `ids` in chunks; returns the last position's logits (teacher forcing: teacher-forcing.ts). */
  async prefill(ids: readonly number[], cache: Pipeline): Promise<Float32Array> {
    let logits: Float32Array | null = null;
    for (let start = 0; start < ids.length; ) {
      const end = Math.min(ids.length, start + this.chunkTokens(cache.tokens.length));
      logits = await this.step(ids.slice(start, end), cache);
      start = end;
    }
    if (!logits) throw new Error('prefill of no tokens');
    return logits;
  }

  /** Feeds `ids` after the cached tokens; returns the logits of the last `keep` of them (keep x vocab). */
  async step(ids: readonly number[], cache: Pipeline, keep = 1): Promise<Float32Array> {
    const past = cache.tokens.length;
    const total = past + ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (this.#contract.hasPositionIds) {
      feeds['position_ids'] = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]);
    }
    const rows = Math.min(keep, ids.length);
    const computed = Math.min(ids.length, Math.max(rows, this.#minLogitsRows));
    if (this.#contract.hasLogitsStart) feeds['logits_start'] = new ort.Tensor('int64', BigInt64Array.of(BigInt(-computed)), [1]);
    const logitsTensor = await cache.run(feeds, ids);
    const vocab = logitsTensor.dims[2]!;
    const all = (await logitsTensor.getData()) as Float32Array;
    const last = all.length === rows * vocab ? all : all.slice(all.length - rows * vocab);
    logitsTensor.dispose();
    return last;
  }
}
