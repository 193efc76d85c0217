// KvCache.crop: it keeps the first positions of every past tensor (each head's rows; on the GPU
// by buffer copies), disposes the tensors it replaces, clears at 0, and leaves a cache no longer
// than asked as it is.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KvCache as KvCacheClass, KvLayout } from '../../../workers/engine/kv-cache.ts';
import { ort } from './engine-harness.ts';

type Tensor = import('onnxruntime-web').Tensor;

let KvCache: typeof KvCacheClass;

beforeAll(async () => {
  ({ KvCache } = await import('../../../workers/engine/kv-cache.ts'));
});

const HEADS = 2;
const HEAD_DIM = 3;
const TOKENS = 4;
const layout: KvLayout = {
  kvType: 'float32',
  kvHeads: HEADS,
  headDim: HEAD_DIM,
  pastNames: ['past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value'],
  presentNames: ['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value'],
};

/** [1, heads, tokens, head_dim] with value = tensor * 1000 + head * 100 + position * 10 + element. */
function present(tensor: number, tokens: number): Tensor {
  const data = Float32Array.from({ length: HEADS * tokens * HEAD_DIM }, (_, i) => {
    const head = Math.floor(i / (tokens * HEAD_DIM));
    const position = Math.floor(i / HEAD_DIM) % tokens;
    return tensor * 1000 + head * 100 + position * 10 + (i % HEAD_DIM);
  });
  return new ort.Tensor('float32', data, [1, HEADS, tokens, HEAD_DIM]);
}

/** A cache holding TOKENS positions, and the tensors it holds. */
function filled(): { cache: KvCacheClass; held: Tensor[] } {
  const cache = new KvCache(layout, null);
  const held = layout.presentNames.map((_, i) => present(i, TOKENS));
  cache.commit([1, 2, 3, 4], Object.fromEntries(layout.presentNames.map((name, i) => [name, held[i]!])));
  return { cache, held };
}

describe('KvCache.crop', () => {
  it('keeps the first positions of every past tensor and disposes the tensors it replaced', () => {
    const { cache, held } = filled();
    cache.crop(2);
    const feeds = cache.pastFeeds();
    expect(Object.keys(feeds)).toEqual(layout.pastNames);
    for (const [i, name] of layout.pastNames.entries()) {
      expect(feeds[name]!.dims).toEqual([1, HEADS, 2, HEAD_DIM]);
      expect(Array.from(feeds[name]!.data as Float32Array)).toEqual(Array.from(present(i, 2).data as Float32Array));
    }
    expect(held.map((t) => t.location)).toEqual(Array(held.length).fill('none'));
    expect(cache.count.liveTensors).toBe(layout.presentNames.length);
    // The growing cache's accounting: the commit's present.* and the crop's copies.
    expect(cache.count).toEqual({ liveTensors: layout.presentNames.length, tensorsMade: 2 * layout.presentNames.length, inPlace: false });
  });

  it('crop(0) clears the cache: empty past tensors, the old ones disposed', () => {
    const { cache, held } = filled();
    cache.crop(0);
    expect(cache.count.liveTensors).toBe(0);
    expect(Object.values(cache.pastFeeds()).map((t) => t.dims)).toEqual(Array(layout.pastNames.length).fill([1, HEADS, 0, HEAD_DIM]));
    expect(held.map((t) => t.location)).toEqual(Array(held.length).fill('none'));
  });

  it.each([TOKENS, TOKENS + 3])('crop(%i), not shorter than the cache, keeps it as it is', (length) => {
    const { cache, held } = filled();
    cache.crop(length);
    Object.values(cache.pastFeeds()).forEach((tensor, i) => expect(tensor).toBe(held[i]));
    expect(held.map((t) => t.location)).toEqual(Array(held.length).fill('cpu'));
  });

  it('counts the positions it keeps: after crop(2), crop(3) is a no-op', () => {
    const { cache } = filled();
    cache.crop(2);
    const kept = Object.values(cache.pastFeeds());
    cache.crop(3);
    Object.values(cache.pastFeeds()).forEach((tensor, i) => expect(tensor).toBe(kept[i]));
    expect(kept.map((t) => t.location)).toEqual(Array(kept.length).fill('cpu'));
  });
});

describe('KvCache.crop on the GPU', () => {
  it('copies the first rows of each head into a new buffer and destroys the old buffers', () => {
    const copies: [number, number, number][] = [];
    const destroyed: string[] = [];
    const gpu = {
      createBuffer: ({ size }: { size: number }) => ({ label: `new ${size}`, destroy: () => destroyed.push(`new ${size}`) }),
      createCommandEncoder: () => ({
        copyBufferToBuffer: (_from: unknown, fromOffset: number, _to: unknown, toOffset: number, bytes: number) => copies.push([fromOffset, toOffset, bytes]),
        finish: () => ({}),
      }),
      queue: { submit: () => undefined },
    } as unknown as GPUDevice;
    const cache = new KvCache(layout, gpu);
    const outputs = Object.fromEntries(
      layout.presentNames.map((name) => [
        name,
        ort.Tensor.fromGpuBuffer({ label: name } as unknown as GPUBuffer, { dataType: 'float32', dims: [1, HEADS, TOKENS, HEAD_DIM], dispose: () => destroyed.push(name) }),
      ]),
    );
    cache.commit([1, 2, 3, 4], outputs);
    cache.crop(1);
    // Head h starts at h * TOKENS rows in the old buffer and at h * 1 row in the new one (float32).
    const row = HEAD_DIM * 4;
    expect(copies).toEqual(Array(layout.presentNames.length).fill([[0, 0, row], [TOKENS * row, row, row]]).flat());
    expect(destroyed).toEqual(layout.presentNames);
    expect(Object.values(cache.pastFeeds()).map((t) => [t.location, t.dims])).toEqual(Array(layout.pastNames.length).fill(['gpu-buffer', [1, HEADS, 1, HEAD_DIM]]));
    cache.clear();
    // Buffers are padded to 16 bytes: 2 heads x 12 bytes -> 32.
    expect(destroyed.slice(layout.presentNames.length)).toEqual(Array(layout.presentNames.length).fill('new 32'));
  });
});
