// The load-time rewrite of the Optimum graphs' attention into GroupQueryAttention: on the forged
// Optimum builds (fp32, q4, q4f16) the rewritten graph gives the original's logits and KV over a
// prompt and decode steps, the same greedy tokens, keeps none of the old attention nodes, and is
// taken for the in-place cache; graphs it does not recognise are left as they are, with the reason.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attentionToGqa, type AttentionShape } from '../../../workers/engine/graph-rewrite/attention-gqa.ts';
import { indexGraph } from '../../../workers/engine/graph-rewrite/graph-edit.ts';
import { fromHalfBits } from '../../../workers/engine/graph-rewrite/half-float.ts';
import { writesKvInPlace } from '../../../workers/engine/graph-rewrite/gqa-kv.ts';
import { FIXTURES, fixtureModel, tolerance, type FixtureSpec } from '../../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS, relativeError } from '../../helpers/model-runner.ts';
import { forge } from '../../../scripts/forge/forge.ts';
import { loadConfig, shapeOf } from '../../../scripts/forge/model-shape.ts';

const TINY = shapeOf(loadConfig('tiny'));
const SHAPE: AttentionShape = { heads: TINY.heads, kvHeads: TINY.kvHeads, headDim: TINY.headDim };
const PAST = Array.from({ length: TINY.layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();

function floats(tensor: ort.Tensor): Float32Array {
  return tensor.type === 'float16' ? Float32Array.from(tensor.data as Uint16Array, fromHalfBits) : (tensor.data as Float32Array);
}

function graph(id: string): Uint8Array {
  const model = fixtureModel(FIXTURES.find((f) => f.id === id)!);
  return new Uint8Array(readFileSync(join(model.onnxDir, model.fileName)));
}

const rewritable = FIXTURES.filter((f): f is FixtureSpec => f.variant === 'optimum' && !f.externalChunkBytes && f.kind === 'instruct' && f.kvType === undefined);

describe('attentionToGqa', () => {
  for (const spec of rewritable) {
    it(`${spec.id}: logits and KV equal the original's over a prompt and decode steps; greedy tokens too`, async () => {
      const original = graph(spec.id);
      const result = attentionToGqa(original.slice(), SHAPE);
      if (!result.rewritten) throw new Error(result.reason);
      expect(result.layers).toBe(TINY.layers);
      const nodes = indexGraph(result.model)!.nodes;
      expect(nodes.filter((n) => n.opType === 'GroupQueryAttention')).toHaveLength(TINY.layers);
      // The old blocks are switched off: no Softmax, no Concat of the past left to run.
      expect(nodes.filter((n) => n.opType === 'Softmax')).toHaveLength(0);
      expect(writesKvInPlace(result.model, PAST)).toBe(true);

      const before = await ModelRunner.fromBytes(original);
      const after = await ModelRunner.fromBytes(result.model);
      let expected = await before.forward(PROMPT_IDS);
      let actual = await after.forward(PROMPT_IDS);
      for (const next of [9707, 11, 1246]) {
        expect(relativeError(actual.logits, expected.logits)).toBeLessThan(tolerance(spec));
        for (const name of ['past_key_values.0.key', `past_key_values.${TINY.layers - 1}.value`]) {
          const [got, want] = [actual.cache.tensors[name]!, expected.cache.tensors[name]!];
          expect(got.dims).toEqual(want.dims);
          expect(relativeError(floats(got), floats(want))).toBeLessThan(tolerance(spec));
        }
        expected = await before.forward([next], expected.cache);
        actual = await after.forward([next], actual.cache);
      }
      expect(await after.greedy(PROMPT_IDS, 12)).toEqual(await before.greedy(PROMPT_IDS, 12));
      await before.release();
      await after.release();
    });
  }

  it("takes transformers' eager export too: K/V repeated to every head, the scores divided after the MatMul", async () => {
    const out = mkdtempSync(join(tmpdir(), 'repeat-kv-'));
    try {
      const { dir } = forge({ size: 'tiny', variant: 'optimum', dtype: 'q4', kind: 'instruct', seed: 1, out, repeatKv: true });
      const original = new Uint8Array(readFileSync(join(dir, 'onnx', 'model_q4.onnx')));
      expect(indexGraph(original)!.nodes.filter((n) => n.opType === 'Expand')).toHaveLength(2 * TINY.layers);
      const result = attentionToGqa(original.slice(), SHAPE);
      if (!result.rewritten) throw new Error(result.reason);
      expect(indexGraph(result.model)!.nodes.filter((n) => n.opType === 'Expand')).toHaveLength(0);
      const before = await ModelRunner.fromBytes(original);
      const after = await ModelRunner.fromBytes(result.model);
      expect(await after.greedy(PROMPT_IDS, 12)).toEqual(await before.greedy(PROMPT_IDS, 12));
      await before.release();
      await after.release();
    } finally {
      rmSync(out, { recursive: true });
    }
  });

  it('leaves the graphs it does not take as they are, saying why', () => {
    const kv32 = graph('optimum-q4f16-kv32');
    const copy = kv32.slice();
    const refused = attentionToGqa(copy, SHAPE);
    expect(refused).toEqual({ rewritten: false, applies: true, reason: 'layer 0: present.0.key does not come from a Concat' });
    expect(Buffer.compare(copy, kv32)).toBe(0);
    expect(attentionToGqa(graph('gqa-q4'), SHAPE)).toEqual({ rewritten: false, applies: false, reason: 'the graph already uses GroupQueryAttention' });
    // A scale other than 1/sqrt(head_dim) is not what this graph computes.
    expect(attentionToGqa(graph('optimum-q4'), { ...SHAPE, headDim: SHAPE.headDim * 4 })).toMatchObject({ rewritten: false, applies: true, reason: expect.stringMatching(/^layer \d+: the scores are scaled by/) });
  });
});
