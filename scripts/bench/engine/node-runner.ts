// onnxruntime-node on the CPU, the native ceiling of this machine: the same file with the same
// logits rewrite the engine applies on WASM, the same thread count, prefill in the engine's
// 512-token chunks, greedy decoding with the KV cache kept between calls. `unpacked`: every 4-bit
// weight unpacked to float32 as the engine does on WASM (split/unpack-weights.ts), the native
// ceiling of the weights the engine reads there.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { LOGITS_ROWS, sliceLogits } from '../../../workers/engine/graph-rewrite/logits-slice.ts';
import { MAX_PIECE_BYTES } from '../../../workers/protocol/memory-limits.ts';
import { splitModel } from '../../../workers/engine/split/split-model.ts';
import { GRAPH_BYTES } from '../../../workers/engine/split/stage-graphs.ts';
import { stageFileBytes } from '../../../workers/engine/split/unpack-weights.ts';
import type { BenchModel } from '../bench-hub.ts';
import type { Prompt } from './prompts.ts';
import type { RunFigures, Runner } from './runner.ts';

const CHUNK_TOKENS = 512;

export class NodeRunner implements Runner {
  readonly #session: ort.InferenceSession;
  readonly #eos: Set<number>;
  #past: Record<string, ort.Tensor> = {};
  #tokens: number[] = [];

  private constructor(session: ort.InferenceSession, eos: Set<number>) {
    this.#session = session;
    this.#eos = eos;
  }

  static async open(model: BenchModel, threads: number, unpacked = false): Promise<NodeRunner> {
    const rewrite = sliceLogits(new Uint8Array(readFileSync(model.modelPath)));
    if (!rewrite.rewritten) throw new Error(`the logits rewrite does not apply to ${model.repo}: ${rewrite.reason}`);
    const options = { intraOpNumThreads: threads, graphOptimizationLevel: 'all' } as const;
    const session = unpacked ? await unpackedSession(model, rewrite.model, options) : await ort.InferenceSession.create(rewrite.model, options);
    const generation = JSON.parse(readFileSync(join(model.dir, 'generation_config.json'), 'utf8')) as { eos_token_id: number | number[] };
    return new NodeRunner(session, new Set([generation.eos_token_id].flat()));
  }

  async generate(prompt: Prompt, maxTokens: number, reuse: boolean): Promise<RunFigures> {
    const ids = prompt.ids;
    if (!reuse || this.#tokens.some((id, i) => ids[i] !== id)) this.#reset();
    const started = performance.now();
    const fresh = ids.slice(this.#tokens.length);
    let logits: Float32Array | null = null;
    for (let start = 0; start < fresh.length; start += CHUNK_TOKENS) logits = await this.#step(fresh.slice(start, start + CHUNK_TOKENS));
    let token = argmax(logits!);
    const firstTokenMs = performance.now() - started;
    const first = performance.now();
    let generated = 1;
    while (generated < maxTokens && !this.#eos.has(token)) {
      token = argmax(await this.#step([token]));
      generated++;
    }
    return { prefillTokens: fresh.length, firstTokenMs, decodeTokens: generated, decodeMs: performance.now() - first };
  }

  async close(): Promise<void> {
    await this.#session.release();
  }

  #reset(): void {
    this.#past = {};
    this.#tokens = [];
  }

  async #step(ids: number[]): Promise<Float32Array> {
    const past = this.#tokens.length;
    const total = past + ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      [LOGITS_ROWS]: new ort.Tensor('int64', BigInt64Array.of(-1n), [1]),
    };
    // GroupQueryAttention graphs rotate inside the op, from the attention mask: no position_ids.
    if (this.#session.inputNames.includes('position_ids')) {
      feeds['position_ids'] = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]);
    }
    for (const meta of this.#session.inputMetadata) {
      if (!meta.name.startsWith('past_key_values.') || !meta.isTensor) continue;
      feeds[meta.name] = this.#past[meta.name] ?? new ort.Tensor('float32', new Float32Array(0), [1, meta.shape[1] as number, 0, meta.shape[3] as number]);
    }
    const out = await this.#session.run(feeds);
    for (const name of Object.keys(out)) {
      if (name.startsWith('present.')) this.#past[name.replace('present.', 'past_key_values.')] = out[name]!;
    }
    this.#tokens.push(...ids);
    return out['logits']!.data as Float32Array;
  }
}

/** The graph with every 4-bit weight unpacked (one stage, external data made in memory). */
async function unpackedSession(model: BenchModel, graph: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const config = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as { num_hidden_layers: number };
  const stages = splitModel(graph, { layers: config.num_hidden_layers, stageBytes: Infinity, pieceBytes: MAX_PIECE_BYTES, unpackBytes: Infinity });
  const stage = stages?.length === 1 ? stages[0]! : null;
  if (!stage || stage.unpackedBytes === 0) throw new Error(`${model.repo} did not unpack as one stage`);
  const files = new Map<string, Uint8Array>([[GRAPH_BYTES, graph]]);
  const bytesOf = (location: string): Uint8Array => files.get(location) ?? files.set(location, readFileSync(join(dirname(model.modelPath), location))).get(location)!;
  const externalData = [];
  for (const file of stage.files) externalData.push({ path: file.path, data: await stageFileBytes(file.parts, async (p) => bytesOf(p.location).subarray(p.offset, p.offset + p.length)) });
  return ort.InferenceSession.create(stage.model, { ...options, externalData });
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
