// Runs the model over new tokens after the cached ones (batch 1): builds the feeds the graph's
// contract asks for, runs the pipeline (which keeps the KV), and returns the logits of the last
// positions. Prefill goes in chunks whose largest intermediate stays within a budget.
import { ort } from './ort-env.ts';
import { EngineError } from '../protocol/errors.ts';
import type { LogitsRowsTune } from '../protocol/messages.ts';
import { LOGITS_ROWS } from './graph-rewrite/logits-slice.ts';
import type { GraphContract } from './graph-contract.ts';
import type { Pipeline } from './pipeline.ts';

/** A graph computing logits for every position: one chunk's logits stay under this. */
const LOGITS_BUDGET_BYTES = 64 * 2 ** 20;
/** The attention scores of one chunk (chunk x context x heads floats, in the plain-ops graphs). */
const ATTENTION_BUDGET_BYTES = 256 * 2 ** 20;
const MAX_CHUNK_TOKENS = 512;
/**
 * The lm_head rows tried at warm-up on WebGPU (tuneMinLogitsRows): onnxruntime's WebGPU
 * MatMulNBits runs a GEMV kernel below 4 rows and a tiled one from 4. On SwiftShader the tiny
 * model's 128 x 151,936 lm_head took 8-10x as long on 1 row as on 4 (`npm run bench:kernels`); a
 * real GPU reads the same weights for either, and which kernel wins there is the adapter's.
 * onnxruntime's own tuner for this kernel (1 row, N >= 65,536) is native-only.
 */
export const WEBGPU_LOGITS_ROWS_CANDIDATES: readonly number[] = [1, 4];
/** A larger minimum is kept only when its decode step is at least this much faster. */
const TUNE_MIN_GAIN = 0.1;
/** Timed decode steps per candidate: up to this many, while they take under TUNE_BUDGET_MS. */
const TUNE_RUNS = 3;
const TUNE_BUDGET_MS = 200;

/**
 * The `logits_rows` input for a chunk of `tokens` whose last `rows` are wanted: at least
 * `minimum` rows go through the lm_head, the chunk's own last ones where it has them, else the
 * last one again; the wanted rows come last.
 */
function logitsRows(tokens: number, rows: number, minimum: number): BigInt64Array {
  const own = Math.min(tokens, Math.max(rows, minimum));
  const repeats = Math.max(0, minimum - own);
  return BigInt64Array.from({ length: repeats + own }, (_, i) => BigInt(i < repeats ? -1 : i - repeats - own));
}

export class Decoder {
  readonly #contract: GraphContract;
  readonly #attentionBudget: number;
  readonly #logitsBudget: number;
  /** The rows a sliced lm_head runs on at least (logitsRows). */
  #minLogitsRows = 1;

  /** `bufferLimit`: the adapter's largest storage binding, which one intermediate must fit. */
  constructor(contract: GraphContract, bufferLimit = Infinity) {
    this.#contract = contract;
    // Half the limit: onnxruntime rounds a buffer up to its size bucket.
    this.#attentionBudget = Math.min(ATTENTION_BUDGET_BYTES, bufferLimit / 2);
    this.#logitsBudget = Math.min(LOGITS_BUDGET_BYTES, bufferLimit / 2);
  }

  /** Tokens in the next prefill chunk after `past` cached ones; `allRows`: each returns its logits (teacher forcing). */
  chunkTokens(past: number, allRows = false): number {
    const { heads, vocab, hasLogitsRows } = this.#contract;
    let chunk = MAX_CHUNK_TOKENS;
    if (allRows || !hasLogitsRows) chunk = Math.min(chunk, Math.max(1, Math.floor(this.#logitsBudget / (vocab * 4))));
    // chunk * (past + chunk) * heads * 4 <= budget, solved for chunk.
    const a = heads * 4;
    const byAttention = Math.floor((-a * past + Math.sqrt(a * a * past * past + 4 * a * this.#attentionBudget)) / (2 * a));
    return Math.max(1, Math.min(chunk, byAttention));
  }

  /** Feeds `ids` in chunks, stopping between them once `isAborted`; returns the last position's logits (teacher forcing: teacher-forcing.ts). */
  async prefill(ids: readonly number[], cache: Pipeline, isAborted: () => boolean = () => false): Promise<Float32Array> {
    let logits: Float32Array | null = null;
    for (let start = 0; start < ids.length; ) {
      // A long prompt's prefill takes seconds: Stop must not wait for all of it.
      if (isAborted()) throw new EngineError('aborted', 'Stopped while reading the prompt.');
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
    if (this.#contract.hasLogitsRows) {
      const indices = logitsRows(ids.length, rows, this.#minLogitsRows);
      feeds[LOGITS_ROWS] = new ort.Tensor('int64', indices, [indices.length]);
    }
    const logitsTensor = await cache.run(feeds, ids);
    const vocab = logitsTensor.dims[2]!;
    const all = (await logitsTensor.getData()) as Float32Array;
    // A view, not a copy: the tensor's data is ours once read, and the rows before are dropped with it.
    const last = all.length === rows * vocab ? all : all.subarray(all.length - rows * vocab);
    logitsTensor.dispose();
    return last;
  }

  /**
   * Times a decode step with each minimum of lm_head rows (in ascending order; once to compile
   * its shaders, then timed) and keeps the fastest, a larger one only when clearly faster. Feeds
   * tokens to `cache`, which the caller clears.
   */
  async tuneMinLogitsRows(cache: Pipeline, candidates: readonly number[]): Promise<LogitsRowsTune> {
    const stepMs: Record<number, number> = {};
    let best = { minimum: this.#minLogitsRows, ms: Infinity };
    for (const minimum of candidates) {
      this.#minLogitsRows = minimum;
      await this.step([0], cache);
      let fastest = Infinity;
      for (let run = 0, spent = 0; run < TUNE_RUNS && spent < TUNE_BUDGET_MS; run++) {
        const started = performance.now();
        await this.step([0], cache);
        const ms = performance.now() - started;
        fastest = Math.min(fastest, ms);
        spent += ms;
      }
      stepMs[minimum] = fastest;
      if (fastest < best.ms * (minimum > best.minimum ? 1 - TUNE_MIN_GAIN : 1)) best = { minimum, ms: fastest };
    }
    this.#minLogitsRows = best.minimum;
    return { minimum: best.minimum, stepMs };
  }
}
