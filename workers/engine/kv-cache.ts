// A conversation's KV cache: how many tokens it holds and the present.* tensors of the last
// step (on the GPU with WebGPU). A new prompt reuses the longest common token prefix
// (prefix-match.ts); the rest is cropped on the device. Every tensor it drops is disposed.
import { ort } from './ort-env.ts';
import type { GraphContract } from './graph-contract.ts';

type Tensor = ort.Tensor;

/** GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (TypeScript's DOM lib declares the type, not the constant). */
const KV_BUFFER_USAGE = 0x80 | 0x04 | 0x08;

/** What the cache needs of a graph: its KV names (all layers, or one stage's) and their type and shape. */
export type KvLayout = Pick<GraphContract, 'kvType' | 'kvHeads' | 'headDim' | 'pastNames' | 'presentNames'>;

/** The engine's KV tensor accounting, per stage and summed over a pipeline. */
export interface KvCount {
  /** KV tensors held now. */
  liveTensors: number;
  /** KV tensors made since load: a growing cache makes every layer's two per step, an in-place one none after load. */
  tensorsMade: number;
  /** Written in place by the attention op (kv-in-place.ts). */
  inPlace: boolean;
}

/** A stage's KV cache, as the stage drives it: past feeds in, the step's present.* committed. */
export interface StageKv {
  readonly count: KvCount;
  /** past_key_values.* feeds for the next step. */
  pastFeeds(): Record<string, ort.Tensor>;
  /** Outputs bound before every run, the same each time (the in-place cache's own buffers); none for a growing cache. */
  presentFetches?(): Record<string, ort.Tensor>;
  /** The step fed `fed` tokens and gave `outputs`. */
  commit(fed: readonly number[], outputs: Record<string, ort.Tensor>): void;
  /** Keeps the first `length` tokens. */
  crop(length: number): void;
  clear(): void;
  /** Frees what the cache holds for good (the stage is released). */
  release(): void;
}

export class KvCache implements StageKv {
  readonly #contract: KvLayout;
  readonly #gpu: GPUDevice | null;
  #length = 0;
  #tensors: Record<string, Tensor> | null = null;
  #made = 0;

  constructor(contract: KvLayout, gpu: GPUDevice | null) {
    this.#contract = contract;
    this.#gpu = gpu;
  }

  get count(): KvCount {
    return { liveTensors: this.#tensors ? Object.keys(this.#tensors).length : 0, tensorsMade: this.#made, inPlace: false };
  }

  /** past_key_values.* feeds for the next step (empty tensors when nothing is cached). */
  pastFeeds(): Record<string, Tensor> {
    if (this.#tensors) {
      return Object.fromEntries(this.#contract.pastNames.map((name, i) => [name, this.#tensors![this.#contract.presentNames[i]!]!]));
    }
    const { kvType, kvHeads, headDim } = this.#contract;
    const empty = kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    return Object.fromEntries(this.#contract.pastNames.map((name) => [name, new ort.Tensor(kvType, empty, [1, kvHeads, 0, headDim])]));
  }

  /** Takes the step's present.* as the new cache (now holding the `fed` tokens more), releasing the old one. */
  commit(fed: readonly number[], outputs: Record<string, Tensor>): void {
    const next = Object.fromEntries(this.#contract.presentNames.map((name) => [name, outputs[name]!]));
    this.#disposeTensors();
    this.#tensors = next;
    this.#length += fed.length;
    this.#made += this.#contract.presentNames.length;
  }

  /** Keeps the first `length` tokens. */
  crop(length: number): void {
    if (length >= this.#length) return;
    if (length === 0 || !this.#tensors) {
      this.clear();
      return;
    }
    const cropped: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(this.#tensors)) cropped[name] = this.#cropTensor(tensor, length);
    this.#made += Object.keys(cropped).length;
    this.#disposeTensors();
    this.#tensors = cropped;
    this.#length = length;
  }

  clear(): void {
    this.#disposeTensors();
    this.#tensors = null;
    this.#length = 0;
  }

  release(): void {
    this.clear();
  }

  #disposeTensors(): void {
    for (const t of Object.values(this.#tensors ?? {})) t.dispose();
  }

  /** [1, kv_heads, T, head_dim] -> [1, kv_heads, length, head_dim]: one strided copy per head. */
  #cropTensor(tensor: Tensor, length: number): Tensor {
    const [, heads, total, headDim] = tensor.dims as [number, number, number, number];
    const dims = [1, heads, length, headDim];
    if (tensor.location === 'gpu-buffer') {
      const gpu = this.#gpu!;
      const elementBytes = tensor.type === 'float16' ? 2 : 4;
      const rowBytes = length * headDim * elementBytes;
      const size = Math.ceil((heads * rowBytes) / 16) * 16;
      const buffer = gpu.createBuffer({ size, usage: KV_BUFFER_USAGE });
      const encoder = gpu.createCommandEncoder();
      for (let h = 0; h < heads; h++) {
        encoder.copyBufferToBuffer(tensor.gpuBuffer as GPUBuffer, h * total * headDim * elementBytes, buffer, h * rowBytes, rowBytes);
      }
      gpu.queue.submit([encoder.finish()]);
      return ort.Tensor.fromGpuBuffer(buffer, { dataType: tensor.type as 'float32' | 'float16', dims, dispose: () => buffer.destroy() });
    }
    const data = tensor.data as Float32Array | Uint16Array;
    const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(heads * length * headDim);
    for (let h = 0; h < heads; h++) out.set(data.subarray(h * total * headDim, h * total * headDim + length * headDim), h * length * headDim);
    return new ort.Tensor(tensor.type as 'float32' | 'float16', out, dims);
  }
}
