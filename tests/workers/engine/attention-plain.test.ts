// The WASM rewrite of GroupQueryAttention into plain ops: on the graph the converter builds from
// a GPTQ release and on the forged GQA builds, the rewritten graph gives the original's logits and
// KV over a prompt, a chunked prefill and decode steps, and the same greedy tokens, with no
// GroupQueryAttention left; a graph it does not take is left as it is, with the reason.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { officialFixture, officialFixtureDir } from '../../../scripts/forge/fixture-set.ts';
import { loadConfig, shapeOf } from '../../../scripts/forge/model-shape.ts';
import { attentionToPlainOps } from '../../../workers/engine/graph-rewrite/attention-plain.ts';
import { indexGraph } from '../../../workers/engine/graph-rewrite/graph-edit.ts';
import { sliceLogits } from '../../../workers/engine/graph-rewrite/logits-slice.ts';
import { convertToDisk } from '../../helpers/convert-to-disk.ts';
import { FIXTURES, fixtureModel, tolerance } from '../../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS, relativeError } from '../../helpers/model-runner.ts';

const TINY = shapeOf(loadConfig('tiny'));

function forged(id: string): Uint8Array {
  const model = fixtureModel(FIXTURES.find((f) => f.id === id)!);
  return new Uint8Array(readFileSync(join(model.onnxDir, model.fileName)));
}

/** The rewritten graph against the original: logits and KV over a prompt in two chunks and decode steps, then greedy tokens. */
async function expectSameModel(original: Uint8Array, within: number, open = ModelRunner.fromBytes): Promise<void> {
  const result = attentionToPlainOps(original.slice(), TINY.headDim);
  if (!result.rewritten) throw new Error(result.reason);
  expect(result.layers).toBe(TINY.layers);
  expect(indexGraph(result.model)!.nodes.filter((n) => n.opType === 'GroupQueryAttention')).toHaveLength(0);
  const before = await open(original);
  const after = await open(result.model);
  const [head, tail] = [PROMPT_IDS.slice(0, 5), PROMPT_IDS.slice(5)];
  let expected = await before.forward(tail, (await before.forward(head)).cache);
  let actual = await after.forward(tail, (await after.forward(head)).cache);
  for (const next of [9707, 11, 1246]) {
    expect(relativeError(actual.logits, expected.logits)).toBeLessThan(within);
    const name = `past_key_values.${TINY.layers - 1}.key`;
    expect(relativeError(actual.cache.tensors[name]!.data as Float32Array, expected.cache.tensors[name]!.data as Float32Array)).toBeLessThan(within);
    expected = await before.forward([next], expected.cache);
    actual = await after.forward([next], actual.cache);
  }
  expect(await after.greedy(PROMPT_IDS, 12, 5)).toEqual(await before.greedy(PROMPT_IDS, 12, 5));
  await before.release();
  await after.release();
}

describe('attentionToPlainOps', () => {
  it('the graph converted from a GPTQ release: same logits, KV and greedy tokens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'plain-attention-'));
    try {
      const converted = await convertToDisk(officialFixtureDir(officialFixture('official-gptq')), out);
      // Its weights are external data beside it: each graph is opened from a file there.
      let opened = 0;
      const open = (bytes: Uint8Array): Promise<ModelRunner> => {
        const name = `graph-${opened++}.onnx`;
        writeFileSync(join(out, name), bytes);
        return ModelRunner.open('node', out, name);
      };
      await expectSameModel(new Uint8Array(readFileSync(join(out, converted.fileName))), 1e-4, open);
    } finally {
      rmSync(out, { recursive: true });
    }
  });

  for (const id of ['gqa-fp32', 'gqa-q4']) {
    it(`${id}, after the logits slice: same logits, KV and greedy tokens`, async () => {
      const sliced = sliceLogits(forged(id));
      if (!sliced.rewritten) throw new Error(sliced.reason);
      await expectSameModel(sliced.model, tolerance(FIXTURES.find((f) => f.id === id)!));
    });
  }

  it('leaves the graphs it does not take as they are, saying why', () => {
    const f16 = forged('gqa-q4f16');
    const copy = f16.slice();
    expect(attentionToPlainOps(copy, TINY.headDim)).toEqual({ rewritten: false, applies: true, reason: '/model/layers.0/attn/GroupQueryAttention: the KV cache is not float32' });
    expect(Buffer.compare(copy, f16)).toBe(0);
    expect(attentionToPlainOps(forged('optimum-q4'), TINY.headDim)).toEqual({ rewritten: false, applies: false, reason: 'no GroupQueryAttention' });
    expect(attentionToPlainOps(forged('gqa-q4'), TINY.headDim * 2)).toEqual({ rewritten: false, applies: true, reason: '/model/layers.0/attn/GroupQueryAttention: the rotary caches are not float32 tables of head_dim / 2 columns' });
  });
});
