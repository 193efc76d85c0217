// Runs a forged model file on onnxruntime-node (CPU) or onnxruntime-web (WASM, in Node), with
// the graph's I/O read from session metadata: KV type and shape, layers, position_ids.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

export type Backend = 'node' | 'web';
export const BACKENDS: readonly Backend[] = ['node', 'web'];

type Session = ortNode.InferenceSession;
type Tensor = ortNode.Tensor;

export interface KvCache {
  length: number;
  tensors: Record<string, Tensor>;
}

export interface ForwardResult {
  /** [seq, vocab] row-major, float32. */
  logits: Float32Array;
  vocab: number;
  cache: KvCache;
}

ortWeb.env.wasm.numThreads = 1;

export class ModelRunner {
  readonly kvType: 'float32' | 'float16';
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly hasPositionIds: boolean;
  readonly #session: Session;
  readonly #Tensor: typeof ortNode.Tensor;

  private constructor(session: Session, TensorClass: typeof ortNode.Tensor) {
    this.#session = session;
    this.#Tensor = TensorClass;
    const past = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'));
    const first = past[0];
    if (!first || !first.isTensor) throw new Error('model has no past_key_values inputs');
    this.kvType = first.type as 'float32' | 'float16';
    this.layers = past.length / 2;
    this.kvHeads = first.shape[1] as number;
    this.headDim = first.shape[3] as number;
    this.hasPositionIds = session.inputNames.includes('position_ids');
  }

  static async open(backend: Backend, onnxDir: string, fileName: string): Promise<ModelRunner> {
    if (backend === 'node') {
      const session = await ortNode.InferenceSession.create(join(onnxDir, fileName), { intraOpNumThreads: 1 });
      return new ModelRunner(session, ortNode.Tensor);
    }
    const externalData = readdirSync(onnxDir)
      .filter((f) => f.startsWith(`${fileName}_data`))
      .map((path) => ({ path, data: new Uint8Array(readFileSync(join(onnxDir, path))) }));
    const session = await ortWeb.InferenceSession.create(new Uint8Array(readFileSync(join(onnxDir, fileName))), { externalData });
    return new ModelRunner(session as unknown as Session, ortWeb.Tensor as unknown as typeof ortNode.Tensor);
  }

  /** A session on onnxruntime-node from model bytes (e.g. a rewritten graph). */
  static async fromBytes(bytes: Uint8Array): Promise<ModelRunner> {
    return new ModelRunner(await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1 }), ortNode.Tensor);
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames;
  }

  emptyCache(): KvCache {
    const tensors: Record<string, Tensor> = {};
    const data = this.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    for (let i = 0; i < this.layers; i++) {
      for (const which of ['key', 'value']) {
        tensors[`past_key_values.${i}.${which}`] = new this.#Tensor(this.kvType, data, [1, this.kvHeads, 0, this.headDim]);
      }
    }
    return { length: 0, tensors };
  }

  /** One pass over `ids` (batch 1) after the cached tokens. */
  async forward(ids: number[], cache: KvCache = this.emptyCache(), extraFeeds: Record<string, Tensor> = {}): Promise<ForwardResult> {
    const T = this.#Tensor;
    const total = cache.length + ids.length;
    const feeds: Record<string, Tensor> = {
      ...extraFeeds,
      ...cache.tensors,
      input_ids: new T('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new T('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    // A graph with logits_rows (the engine's own) gives every row unless asked otherwise.
    if (this.#session.inputNames.includes('logits_rows') && !feeds['logits_rows']) {
      feeds['logits_rows'] = new T('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [ids.length]);
    }
    if (this.hasPositionIds) {
      feeds['position_ids'] = new T('int64', BigInt64Array.from(ids.map((_, i) => BigInt(cache.length + i))), [1, ids.length]);
    }
    const out = await this.#session.run(feeds);
    const logits = out['logits']!;
    const tensors: Record<string, Tensor> = {};
    for (let i = 0; i < this.layers; i++) {
      for (const which of ['key', 'value']) tensors[`past_key_values.${i}.${which}`] = out[`present.${i}.${which}`]!;
    }
    return { logits: logits.data as Float32Array, vocab: logits.dims[2]!, cache: { length: total, tensors } };
  }

  /** Greedy continuation of `prompt` by `steps` tokens; a long prompt goes in chunks of `chunk`. */
  async greedy(prompt: number[], steps: number, chunk = Infinity): Promise<number[]> {
    const out: number[] = [];
    let result = await this.forward(prompt.slice(0, chunk));
    for (let start = chunk; start < prompt.length; start += chunk) result = await this.forward(prompt.slice(start, start + chunk), result.cache);
    for (let i = 0; i < steps; i++) {
      const last = result.logits.subarray(result.logits.length - result.vocab);
      const next = argmax(last);
      out.push(next);
      if (i + 1 < steps) result = await this.forward([next], result.cache);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** A fixed prompt: "<|im_start|>user\nHello, how are you?..." token ids from the real tokenizer. */
export const PROMPT_IDS = [151644, 872, 198, 9707, 11, 1246, 525, 498, 30, 151645, 198, 151644];
