// How many rows the decoder asks a logits-sliced graph for, and which rows it returns: a stage
// that answers with rows named by their positions stands in for the model.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Decoder as DecoderClass } from '../../../workers/engine/decoder.ts';
import type { GraphContract } from '../../../workers/engine/ort-session.ts';
import type { Pipeline as PipelineClass, Stage } from '../../../workers/engine/pipeline.ts';

const VOCAB = 3;
const contract: GraphContract = {
  layers: 1,
  kvHeads: 1,
  headDim: 2,
  kvType: 'float32',
  hasPositionIds: true,
  hasLogitsStart: true,
  vocab: VOCAB,
  heads: 1,
  contextTokens: 4096,
  pastNames: ['past_key_values.0.key', 'past_key_values.0.value'],
  presentNames: ['present.0.key', 'present.0.value'],
};

let Decoder: typeof DecoderClass;
let Pipeline: typeof PipelineClass;
let ort: typeof import('onnxruntime-web');

beforeAll(async () => {
  // ort-env.ts reads the worker's cross-origin isolation.
  vi.stubGlobal('self', { crossOriginIsolated: false });
  ({ Decoder } = await import('../../../workers/engine/decoder.ts'));
  ({ Pipeline } = await import('../../../workers/engine/pipeline.ts'));
  ({ ort } = await import('../../../workers/engine/ort-env.ts'));
});

/** Answers each run with the rows logits_start asks for, every value the row's position. */
function positionStage(starts: number[]): Stage {
  let past = 0;
  return {
    info: { inputNames: [], outputNames: [], inputMetadata: [] },
    liveTensors: 0,
    async run(inputs, fed) {
      const start = Number((inputs['logits_start']!.data as BigInt64Array)[0]);
      starts.push(start);
      const rows = -start;
      const data = Float32Array.from({ length: rows * VOCAB }, (_, i) => past + fed.length - rows + Math.floor(i / VOCAB));
      past += fed.length;
      return { logits: new ort.Tensor('float32', data, [1, rows, VOCAB]) };
    },
    crop() {},
    clear() {
      past = 0;
    },
    async release() {},
  };
}

describe('Decoder rows through the sliced lm_head', () => {
  it.each([
    // minimum rows, tokens fed, rows kept -> logits_start sent
    [1, 10, 1, -1],
    [4, 10, 1, -4],
    [4, 2, 1, -2],
    [4, 10, 6, -6],
    [4, 1, 1, -1],
  ])('at least %i rows: %i tokens keeping %i sends logits_start %i and returns the last rows', async (minRows, tokens, keep, sent) => {
    const starts: number[] = [];
    const pipeline = new Pipeline([positionStage(starts)]);
    const decoder = new Decoder(contract, Infinity, minRows);
    const logits = await decoder.step(Array.from({ length: tokens }, (_, i) => i), pipeline, keep);
    expect(starts).toEqual([sent]);
    const rows = Math.min(keep, tokens);
    expect(Array.from(logits)).toEqual(Array.from({ length: rows * VOCAB }, (_, i) => tokens - rows + Math.floor(i / VOCAB)));
  });

  it('a prefill in chunks returns the last position of the last chunk', async () => {
    const starts: number[] = [];
    const pipeline = new Pipeline([positionStage(starts)]);
    const decoder = new Decoder(contract, Infinity, 4);
    const logits = await decoder.prefill(Array.from({ length: 700 }, (_, i) => i), pipeline);
    expect(starts).toEqual([-4, -4]);
    expect(Array.from(logits)).toEqual([699, 699, 699]);
    expect(pipeline.tokens).toHaveLength(700);
  });
});
