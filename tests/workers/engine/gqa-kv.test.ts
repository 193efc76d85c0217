// Which graphs get the in-place KV cache on WebGPU: GroupQueryAttention graphs whose present.*
// come straight from the attention op fed by the matching past, lengths from the mask (the
// forged GQA build and the graph the converter builds); not the Optimum graphs (Concat).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureDir, officialFixture, officialFixtureDir } from '../../../scripts/forge/fixture-set.ts';
import { indexGraph, rename } from '../../../workers/engine/graph-rewrite/graph-edit.ts';
import { text } from '../../../workers/engine/graph-rewrite/protobuf.ts';
import { writesKvInPlace } from '../../../workers/engine/graph-rewrite/gqa-kv.ts';
import { tmpdir } from 'node:os';
import { convertToDisk } from '../../helpers/convert-to-disk.ts';

const LAYERS = 4;
const PAST = Array.from({ length: LAYERS }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();

function graph(id: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixtureDir(fixture(id)), 'onnx', 'model_q4.onnx')));
}

describe('writesKvInPlace', () => {
  it('takes the forged GroupQueryAttention build and the graph the converter builds', async () => {
    expect(writesKvInPlace(graph('gqa-q4'), PAST)).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'kv-in-place-'));
    const converted = await convertToDisk(officialFixtureDir(officialFixture('official-gptq')), out);
    rmSync(out, { recursive: true });
    expect(writesKvInPlace(converted.graph, PAST)).toBe(true);
  });

  it('leaves the Optimum graphs (past and new joined by Concat) and an attention fed another past', () => {
    expect(writesKvInPlace(graph('optimum-q4'), PAST)).toBe(false);
    const model = graph('gqa-q4');
    const attention = indexGraph(model)!.nodes.find((n) => n.opType === 'GroupQueryAttention')!;
    const pastKey = attention.inputs[3]!;
    const name = text(model, pastKey);
    rename(model, pastKey, `${name.slice(0, -3)}xyz`);
    expect(writesKvInPlace(model, PAST)).toBe(false);
  });

  it('needs every past input of the stage to be written by an attention op', () => {
    expect(writesKvInPlace(graph('gqa-q4'), [...PAST, 'past_key_values.9.key'])).toBe(false);
    expect(writesKvInPlace(graph('gqa-q4'), [])).toBe(false);
  });
});
