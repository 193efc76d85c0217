// Shown: the forged real shapes have the real models' parameter counts (published figures,
// within 1%), and the tiny fixture's ONNX initializers hold exactly its planned parameters.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { loadConfig, shapeOf, type SizeName } from '../../scripts/forge/model-shape.ts';
import { countParams, planParams } from '../../scripts/forge/param-plan.ts';
import { fixture } from '../../scripts/forge/fixture-set.ts';
import { fixtureModel } from '../helpers/fixtures.ts';

const PUBLISHED: Record<Exclude<SizeName, 'tiny'>, { total: number; nonEmbedding: number }> = {
  '0.5B': { total: 494e6, nonEmbedding: 358e6 },
  '1.5B': { total: 1.54e9, nonEmbedding: 1.31e9 },
  '3B': { total: 3.09e9, nonEmbedding: 2.77e9 },
  '7B': { total: 7.62e9, nonEmbedding: 6.53e9 },
};

describe('parameter counts of the real shapes', () => {
  it.each(Object.entries(PUBLISHED))('%s', (size, published) => {
    const counts = countParams(planParams(shapeOf(loadConfig(size as SizeName))));
    expect(Math.abs(counts.total / published.total - 1)).toBeLessThan(0.01);
    expect(Math.abs(counts.nonEmbedding / published.nonEmbedding - 1)).toBeLessThan(0.01);
  });
});

describe('the fp32 tiny file holds the planned parameters', () => {
  it('initializer element counts add up to the plan (lm_head stored once more, transposed)', () => {
    const model = fixtureModel(fixture('optimum-fp32'));
    const proto = onnxProto.onnx.ModelProto.decode(readFileSync(join(model.onnxDir, model.fileName)));
    const elements = (name: string): number => {
      const t = proto.graph?.initializer?.find((i) => i.name === name);
      if (!t?.dims) throw new Error(`no initializer ${name}`);
      return t.dims.reduce<number>((a, d) => a * Number(d), 1);
    };
    const shape = shapeOf(loadConfig('tiny'));
    for (const p of planParams(shape)) {
      const stored = p.kind === 'linear' ? `${p.name.replace(/\.weight$/, '')}.MatMul.weight` : p.name;
      expect(elements(stored), p.name).toBe(p.shape.reduce((a, b) => a * b, 1));
    }
    expect(elements('lm_head.MatMul.weight')).toBe(shape.vocab * shape.hidden);
  });
});
