// The load-time rewrite that runs the lm_head only on the positions asked for: on every forged
// variant and dtype, the rewritten graph's logits equal the original's last rows, and the KV
// it returns is the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LOGITS_ROWS, sliceLogits } from '../../../workers/engine/graph-rewrite/logits-slice.ts';
import { FIXTURES, fixtureModel } from '../../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS, relativeError } from '../../helpers/model-runner.ts';

const rowsFeed = (indices: number[]): Record<string, ort.Tensor> => ({ [LOGITS_ROWS]: new ort.Tensor('int64', BigInt64Array.from(indices, BigInt), [indices.length]) });

describe('sliceLogits', () => {
  for (const spec of FIXTURES.filter((f) => !f.externalChunkBytes && f.id !== 'optimum-q4f16-kv32')) {
    it(`${spec.id}: logits of the last rows equal the full graph's, KV unchanged`, async () => {
      const model = fixtureModel(spec);
      const bytes = new Uint8Array(readFileSync(join(model.onnxDir, model.fileName)));
      const original = await ModelRunner.fromBytes(bytes);
      const full = await original.forward(PROMPT_IDS);
      const result = sliceLogits(bytes.slice());
      expect(result.rewritten).toBe(true);
      if (!result.rewritten) return;
      const sliced = await ModelRunner.fromBytes(result.model);
      expect(sliced.inputNames).toContain(LOGITS_ROWS);
      const vocab = full.vocab;
      const row = (position: number): Float32Array => full.logits.subarray(position * vocab, (position + 1) * vocab);
      const last = PROMPT_IDS.length - 1;
      // Fewer rows can change the kernels' blocking: fp16 arithmetic then differs in its last bits.
      const within = spec.dtype === 'q4f16' ? 2e-3 : 1e-5;
      // The last row, the last 3, and rows asked for out of order and more than once (negative: from the end).
      for (const indices of [[-1], [-3, -2, -1], [-1, -1, 0, -2]]) {
        const part = await sliced.forward(PROMPT_IDS, undefined, rowsFeed(indices));
        expect(part.logits.length).toBe(indices.length * vocab);
        indices.forEach((index, i) => {
          expect(relativeError(part.logits.subarray(i * vocab, (i + 1) * vocab), row(index < 0 ? last + 1 + index : index))).toBeLessThan(within);
        });
        const key = 'past_key_values.0.key';
        expect(part.cache.tensors[key]!.data).toEqual(full.cache.tensors[key]!.data);
      }
      await original.release();
      await sliced.release();
    });
  }

  it('appends in place when the buffer has room after the model, and copies otherwise', () => {
    const model = fixtureModel(FIXTURES.find((f) => f.id === 'optimum-q4')!);
    const file = readFileSync(join(model.onnxDir, model.fileName));
    const roomy = new Uint8Array(new ArrayBuffer(file.byteLength + 4096), 0, file.byteLength);
    roomy.set(file);
    const inPlace = sliceLogits(roomy);
    expect(inPlace.rewritten && inPlace.model.buffer === roomy.buffer).toBe(true);
    const tight = new Uint8Array(file);
    const copied = sliceLogits(tight);
    expect(copied.rewritten && copied.model.buffer !== tight.buffer && copied.model.byteLength > tight.byteLength).toBe(true);
  });

  it('leaves a graph it already rewrote as it is', () => {
    const graph = new Uint8Array(readFileSync(join(fixtureModel(FIXTURES[0]!).onnxDir, 'model.onnx')));
    const rewritten = sliceLogits(graph);
    if (!rewritten.rewritten) throw new Error('expected a rewrite');
    expect(sliceLogits(rewritten.model)).toEqual({ rewritten: false, reason: `the graph already has an input named ${LOGITS_ROWS}` });
  });
});
