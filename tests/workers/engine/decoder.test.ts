// Which rows the decoder asks a logits-sliced graph for (logits_rows), which it returns, and how
// the warm-up picks the lm_head's row minimum: a stage that answers with rows named by their
// positions, on a clock it advances by a cost per lm_head row count, stands in for the model.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Decoder as DecoderClass } from '../../../workers/engine/decoder.ts';
import type { GraphContract } from '../../../workers/engine/graph-contract.ts';
import { oneLayerContract } from './one-layer-contract.ts';
import type { Pipeline as PipelineClass, Stage } from '../../../workers/engine/pipeline.ts';

const VOCAB = 3;
const contract: GraphContract = oneLayerContract(VOCAB);

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

afterEach(() => {
  vi.restoreAllMocks();
});

/** A clock for performance.now that only the stage moves. */
function fakeClock(): { advance(ms: number): void } {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return { advance: (ms) => (now += ms) };
}

/**
 * Answers each run with the rows logits_rows asks for, every value the row's position in the
 * sequence; records the indices sent; each run costs `msByRows(rows)` on `clock`.
 */
function positionStage(sent: number[][], clock?: { advance(ms: number): void }, msByRows: (rows: number) => number = () => 1): Stage {
  let past = 0;
  return {
    info: { inputNames: [], outputNames: [], inputMetadata: [] },
    kv: { liveTensors: 0, tensorsMade: 0, inPlace: false },
    async run(inputs, fed) {
      const indices = Array.from(inputs['logits_rows']!.data as BigInt64Array, Number);
      sent.push(indices);
      clock?.advance(msByRows(indices.length));
      const data = Float32Array.from({ length: indices.length * VOCAB }, (_, i) => past + fed.length + indices[Math.floor(i / VOCAB)]!);
      past += fed.length;
      return { logits: new ort.Tensor('float32', data, [1, indices.length, VOCAB]) };
    },
    crop() {},
    clear() {
      past = 0;
    },
    async release() {},
  };
}

/** A decoder whose warm-up found `minimum` rows fastest (1 row costs 10, more rows cost `manyMs`). */
async function tunedDecoder(minimum: 1 | 4): Promise<DecoderClass> {
  const decoder = new Decoder(contract, Infinity);
  const clock = fakeClock();
  const pipeline = new Pipeline([positionStage([], clock, (rows) => (rows === 1 ? 10 : minimum === 4 ? 2 : 20))]);
  expect((await decoder.tuneMinLogitsRows(pipeline, [1, 4])).minimum).toBe(minimum);
  vi.restoreAllMocks();
  return decoder;
}

describe('Decoder rows through the sliced lm_head', () => {
  it.each([
    // minimum rows, tokens fed, rows kept -> logits_rows sent
    [1, 10, 1, [-1]],
    [4, 10, 1, [-4, -3, -2, -1]],
    [4, 2, 1, [-1, -1, -2, -1]],
    [4, 10, 6, [-6, -5, -4, -3, -2, -1]],
    [4, 1, 1, [-1, -1, -1, -1]],
    [1, 5, 3, [-3, -2, -1]],
  ] as const)('at least %i rows: %i tokens keeping %i sends logits_rows %j and returns the last rows', async (minRows, tokens, keep, expected) => {
    const decoder = await tunedDecoder(minRows);
    const sent: number[][] = [];
    const pipeline = new Pipeline([positionStage(sent)]);
    const logits = await decoder.step(Array.from({ length: tokens }, (_, i) => i), pipeline, keep);
    expect(sent).toEqual([expected]);
    const rows = Math.min(keep, tokens);
    expect(Array.from(logits)).toEqual(Array.from({ length: rows * VOCAB }, (_, i) => tokens - rows + Math.floor(i / VOCAB)));
  });

  it('a prefill in chunks returns the last position of the last chunk', async () => {
    const decoder = await tunedDecoder(4);
    const sent: number[][] = [];
    const pipeline = new Pipeline([positionStage(sent)]);
    const logits = await decoder.prefill(Array.from({ length: 700 }, (_, i) => i), pipeline);
    expect(sent).toEqual([
      [-4, -3, -2, -1],
      [-4, -3, -2, -1],
    ]);
    expect(Array.from(logits)).toEqual([699, 699, 699]);
    expect(pipeline.tokens).toHaveLength(700);
  });

  it('a prefill stops between chunks once aborted, keeping the chunks fed', async () => {
    const decoder = new Decoder(contract, Infinity);
    const sent: number[][] = [];
    const pipeline = new Pipeline([positionStage(sent)]);
    // Stop is pressed while the first of two chunks runs.
    const stopped = decoder.prefill(Array.from({ length: 700 }, (_, i) => i), pipeline, () => sent.length > 0);
    await expect(stopped).rejects.toMatchObject({ code: 'aborted' });
    expect(sent).toHaveLength(1);
    expect(pipeline.tokens).toHaveLength(512);
  });
});

describe('Decoder.tuneMinLogitsRows', () => {
  it.each([
    // ms of a step with 1 row, with 4 rows -> minimum kept
    [10, 2, 4],
    [10, 9.5, 1], // 5% faster is not enough to leave the default
    [10, 8.5, 4],
    [2, 10, 1],
  ])('1 row %f ms, 4 rows %f ms: keeps %i', async (oneMs, fourMs, kept) => {
    const clock = fakeClock();
    const sent: number[][] = [];
    const pipeline = new Pipeline([positionStage(sent, clock, (rows) => (rows === 1 ? oneMs : fourMs))]);
    const decoder = new Decoder(contract, Infinity);
    const tune = await decoder.tuneMinLogitsRows(pipeline, [1, 4]);
    expect(tune).toEqual({ minimum: kept, stepMs: { 1: oneMs, 4: fourMs } });
    // Each candidate: one step to compile, then timed ones (3 here, all under the time budget), 1 token each.
    expect(sent.map((s) => s.length)).toEqual([1, 1, 1, 1, 4, 4, 4, 4]);
    expect(pipeline.tokens).toHaveLength(8);
  });

  it('times fewer steps of a candidate whose steps are slow', async () => {
    const clock = fakeClock();
    const sent: number[][] = [];
    const pipeline = new Pipeline([positionStage(sent, clock, (rows) => (rows === 1 ? 4000 : 500))]);
    const tune = await new Decoder(contract, Infinity).tuneMinLogitsRows(pipeline, [1, 4]);
    expect(tune).toEqual({ minimum: 4, stepMs: { 1: 4000, 4: 500 } });
    expect(sent.map((s) => s.length)).toEqual([1, 1, 4, 4]);
  });
});
