// The rewrites a load applies, by its options: YaRN when asked for (a note when it cannot be),
// the attention as GroupQueryAttention where asked for (a note when a graph cannot take it), the
// logits slice unless a load turns it off.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LOGITS_ROWS } from '../../../workers/engine/graph-rewrite/logits-slice.ts';
import { prepareGraph, type GraphOptions } from '../../../workers/engine/graph-rewrite/prepare.ts';
import { indexGraph } from '../../../workers/engine/graph-rewrite/graph-edit.ts';
import { writesKvInPlace } from '../../../workers/engine/graph-rewrite/gqa-kv.ts';
import { FIXTURES, fixtureModel } from '../../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS } from '../../helpers/model-runner.ts';

const model = fixtureModel(FIXTURES.find((f) => f.id === 'optimum-q4')!);
const bytes = (): Uint8Array => new Uint8Array(readFileSync(join(model.onnxDir, model.fileName)));
const config = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as Record<string, unknown>;
const heads = config['num_attention_heads'] as number;
const shape = { heads, kvHeads: config['num_key_value_heads'] as number, headDim: (config['hidden_size'] as number) / heads };
const plain: GraphOptions = { ropeScaling: undefined, logitsSlice: undefined, attention: undefined, shape, config };

const PAST = Array.from({ length: 4 }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();

async function inputsOf(graph: Uint8Array): Promise<readonly string[]> {
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: 1 });
  const names = session.inputNames;
  await session.release();
  return names;
}

describe('prepareGraph', () => {
  it('YaRN and the logits slice compose, and the context becomes 131,072', async () => {
    const prepared = prepareGraph(bytes(), { ...plain, ropeScaling: 'yarn' });
    expect([prepared.contextTokens, prepared.notes]).toEqual([131072, []]);
    expect(await inputsOf(prepared.model)).toContain(LOGITS_ROWS);
  });

  it("a config that cannot take YaRN keeps its context, and the load's notes say why", () => {
    const original = bytes();
    const prepared = prepareGraph(original, { ...plain, ropeScaling: 'yarn', logitsSlice: false, config: { ...config, rope_scaling: { type: 'linear', factor: 2 } } });
    expect(prepared.contextTokens).toBeNull();
    // Identity, not deep equality: a failing diff of two model-sized arrays runs out of heap.
    expect(prepared.model === original).toBe(true);
    expect(prepared.notes).toEqual([expect.stringMatching(/^YaRN was not applied \(config.json already scales the rotary embedding \(linear\)\)/)]);
  });

  it('YaRN, GroupQueryAttention and the logits slice compose: the same greedy tokens as YaRN alone, KV written in place', async () => {
    const yarn = prepareGraph(bytes(), { ...plain, ropeScaling: 'yarn' });
    const all = prepareGraph(bytes(), { ...plain, ropeScaling: 'yarn', attention: 'gqa' });
    expect([all.contextTokens, all.notes]).toEqual([131072, []]);
    expect(writesKvInPlace(all.model, PAST)).toBe(true);
    const [before, after] = await Promise.all([ModelRunner.fromBytes(yarn.model), ModelRunner.fromBytes(all.model)]);
    expect(after.inputNames).toContain(LOGITS_ROWS);
    expect(await after.greedy(PROMPT_IDS, 8)).toEqual(await before.greedy(PROMPT_IDS, 8));
    await Promise.all([before.release(), after.release()]);
  });

  it('on WASM, YaRN and a GroupQueryAttention graph rewritten into plain ops give the tokens YaRN alone gives', async () => {
    const gqa = fixtureModel(FIXTURES.find((f) => f.id === 'gqa-q4')!);
    const gqaBytes = (): Uint8Array => new Uint8Array(readFileSync(join(gqa.onnxDir, gqa.fileName)));
    const yarn = prepareGraph(gqaBytes(), { ...plain, ropeScaling: 'yarn' });
    const all = prepareGraph(gqaBytes(), { ...plain, ropeScaling: 'yarn', attention: 'plain' });
    expect([all.contextTokens, all.notes]).toEqual([131072, []]);
    expect(indexGraph(all.model)!.nodes.some((n) => n.opType === 'GroupQueryAttention')).toBe(false);
    const [before, after] = await Promise.all([ModelRunner.fromBytes(yarn.model), ModelRunner.fromBytes(all.model)]);
    expect(await after.greedy(PROMPT_IDS, 8)).toEqual(await before.greedy(PROMPT_IDS, 8));
    await Promise.all([before.release(), after.release()]);
    // An Optimum graph has no GroupQueryAttention to rewrite: nothing to say.
    expect(prepareGraph(bytes(), { ...plain, attention: 'plain' }).notes).toEqual([]);
  });

  it('a graph whose attention cannot be rewritten runs as it was, and the notes say what that costs', () => {
    const kv32 = fixtureModel(FIXTURES.find((f) => f.id === 'optimum-q4f16-kv32')!);
    const original = new Uint8Array(readFileSync(join(kv32.onnxDir, kv32.fileName)));
    const prepared = prepareGraph(original, { ...plain, logitsSlice: false, attention: 'gqa' });
    expect(prepared.model === original).toBe(true);
    expect(prepared.notes).toEqual(['The attention was left as exported (layer 0: present.0.key does not come from a Concat), so the KV cache is copied at every step instead of written in place.']);
    const gqa = fixtureModel(FIXTURES.find((f) => f.id === 'gqa-q4')!);
    expect(prepareGraph(new Uint8Array(readFileSync(join(gqa.onnxDir, gqa.fileName))), { ...plain, attention: 'gqa' }).notes).toEqual([]);
  });

  it.each([
    [undefined, true],
    [true, true],
    [false, false],
  ] as const)('with logitsSlice %s the graph has logits_rows: %s', async (logitsSlice, sliced) => {
    const prepared = prepareGraph(bytes(), { ...plain, logitsSlice });
    expect((await inputsOf(prepared.model)).includes(LOGITS_ROWS)).toBe(sliced);
  });
});
