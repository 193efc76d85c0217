// The KV cache of a GroupQueryAttention graph on WebGPU, written in place: one GPU buffer per
// past input, sized at load to the session's whole context, fed as past_key_values.* and bound
// again as the matching present.* output. onnxruntime's GQA sees the same buffer on both sides
// (past_present_share_buffer) and writes only the new rows, where the attention mask's length
// says the held tokens end. No KV tensor is made, copied or freed per step; cropping is moving
// the length (the rows after it are written over). The plain-ops graphs (Optimum's Concat of past
// and new) and WASM, which copies every input into its heap per run, keep the growing cache (kv-cache.ts).
import { ort } from './ort-env.ts';
import type { KvCount, KvLayout, StageKv } from './kv-cache.ts';

type Tensor = ort.Tensor;

/** GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST. */
const KV_BUFFER_USAGE = 0x80 | 0x04 | 0x08;
export class InPlaceKvCache implements StageKv {
  readonly #layout: KvLayout;
  readonly #tensors: Tensor[];
  #length = 0;

  constructor(layout: KvLayout, gpu: GPUDevice, capacityTokens: number) {
    this.#layout = layout;
    const { kvType, kvHeads, headDim } = layout;
    const dims = [1, kvHeads, capacityTokens, headDim];
    const bytes = kvHeads * capacityTokens * headDim * (kvType === 'float16' ? 2 : 4);
    this.#tensors = layout.pastNames.map(() => {
      const buffer = gpu.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage: KV_BUFFER_USAGE });
      return ort.Tensor.fromGpuBuffer(buffer, { dataType: kvType, dims, dispose: () => buffer.destroy() });
    });
  }

  /** Fixed at load: one per past input, made once. */
  get count(): KvCount {
    return { liveTensors: this.#tensors.length, tensorsMade: this.#layout.pastNames.length, inPlace: true };
  }

  pastFeeds(): Record<string, Tensor> {
    return Object.fromEntries(this.#layout.pastNames.map((name, i) => [name, this.#tensors[i]!]));
  }

  presentFetches(): Record<string, Tensor> {
    return Object.fromEntries(this.#layout.presentNames.map((name, i) => [name, this.#tensors[i]!]));
  }

  /** The outputs' present.* are these buffers, now holding the new rows too. */
  commit(fed: readonly number[]): void {
    this.#length += fed.length;
  }

  crop(length: number): void {
    this.#length = Math.min(this.#length, length);
  }

  clear(): void {
    this.#length = 0;
  }

  release(): void {
    for (const tensor of this.#tensors) tensor.dispose();
    this.#tensors.length = 0;
  }
}
