// The WASM fast start (speed-up.ts) on fakes: the load serves on its 4-bit pipeline (every stage in
// a worker) and builds the unpacked one after; the engine swaps it in between requests, releases
// the first, and says so with a sped-up event. A request longer than the context both pipelines
// leave room for waits for the swap; an unload stops the build and releases what it made.
import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent, GenerateRequest, LoadRequest } from '../../../workers/protocol/messages.ts';
import type { StagesOptions } from '../../../workers/engine/split/load-stages.ts';
import { speedUpContextTokens } from '../../../workers/protocol/memory-limits.ts';
import { plannedUnpack } from '../../../workers/engine/split/split-model.ts';
import { DECODER_INFO, FakeStage, Pipeline, harness, load, modelFiles, send, type Harness } from './engine-harness.ts';

const { SpeedUp } = await import('../../../workers/engine/speed-up.ts');

const fastLoad = (id: string): LoadRequest => ({ ...load(id), fastStart: true });
const generate = (id: string, maxTokens: number): GenerateRequest => ({ kind: 'generate', id, input: { mode: 'completion', prompt: 'Hello there' }, maxTokens, sampling: { temperature: 0 } });

/** A harness whose second pipeline (the speed-up's) is built only once `finish` is called; records each build's options. */
function gatedHarness(deviceMemoryBytes?: number): Harness & { builds: StagesOptions[]; finish: () => void } {
  let finish = (): void => undefined;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const h = harness(deviceMemoryBytes ? { deviceMemoryBytes: () => deviceMemoryBytes } : {});
  const builds: StagesOptions[] = [];
  const create = h.deps.createPipeline;
  h.deps.createPipeline = vi.fn(async (options) => {
    builds.push(options);
    if (builds.length === 2) await gate;
    return create(options);
  });
  return Object.assign(h, { builds, finish });
}

const spedUp = (h: Harness, id: string): Promise<EngineEvent> =>
  new Promise((resolve) => {
    const poll = (): void => {
      const event = h.events.find((e) => e.kind === 'sped-up' && e.id === id);
      if (event) resolve(event);
      else setTimeout(poll, 5);
    };
    poll();
  });

describe('fast start on WASM', () => {
  it('serves on the 4-bit pipeline at once, swaps the unpacked one in between requests, and releases the first', async () => {
    const h = gatedHarness();
    const loaded = await send(h, fastLoad('l1'));
    expect(loaded).toMatchObject({ kind: 'loaded', report: { speedUp: { contextTokens: 32_768 } } });
    const plan = (loaded as Extract<EngineEvent, { kind: 'loaded' }>).report.speedUp!;
    expect(plan.unpackedBytes).toBeGreaterThan(0);
    // Served on the 4-bit weights from a worker; the speed-up unpacks within the allowance, in workers too.
    expect(h.builds.map((b) => [b.unpackBytes > 0, b.allInWorkers])).toEqual([
      [false, true],
      [true, true],
    ]);
    expect(await send(h, generate('g1', 2))).toMatchObject({ kind: 'done' });
    const [fast] = h.stages;
    const fastRuns = fast!.runs;
    h.finish();
    expect(await spedUp(h, 'l1')).toMatchObject({ kind: 'sped-up', outcome: { stages: [{ layers: [0, 4] }] } });
    expect(fast!.releases).toBe(1);
    // Its first runs were made before it served: a decode step and a two-token prefill.
    const unpacked = h.stages[1]!;
    expect(unpacked.fed).toEqual([[0], [1, 2]]);
    expect(await send(h, generate('g2', 2))).toMatchObject({ kind: 'done' });
    expect(fast!.runs).toBe(fastRuns);
    // The swapped-in cache starts empty: the prompt is read in full again, then one decode step.
    expect(unpacked.runs).toBe(4);
    expect(unpacked.fed[2]!.length).toBeGreaterThan(1);
  });

  it('a request longer than the context both pipelines leave room for waits for the swap', async () => {
    const files = modelFiles();
    const weightBytes = files.model.byteLength;
    const kvBytesPerToken = 4 * 2 * 2 * 32 * 4;
    const { addedBytes } = plannedUnpack(files.model, 2 ** 30, 2 ** 30);
    // Memory for 3,000 tokens of context beside both pipelines.
    const memory = 2 * (2 * weightBytes + addedBytes + 3 * kvBytesPerToken * 3000);
    expect(speedUpContextTokens({ deviceMemoryBytes: memory, weightBytes, addedBytes, kvBytesPerToken, contextTokens: 32_768 })).toBe(3000);
    const h = gatedHarness(memory);
    const loaded = await send(h, { ...fastLoad('l1'), unpackBytes: 2 ** 30 });
    expect(loaded).toMatchObject({ report: { speedUp: { contextTokens: 3000 } } });
    const fast = h.stages[0]!;
    const fastRuns = fast.runs;
    // Fits: served on the 4-bit pipeline.
    expect(await send(h, generate('g1', 100))).toMatchObject({ kind: 'done' });
    expect(fast.runs).toBe(fastRuns + 100);
    // Prompt and answer over 3,000 tokens: waits, then runs on the swapped-in pipeline.
    const answer = h.settled('g2');
    h.engine.handle(generate('g2', 2999));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fast.runs).toBe(fastRuns + 100);
    expect(h.events.some((e) => e.id === 'g2')).toBe(false);
    h.finish();
    expect(await answer).toMatchObject({ kind: 'done', stats: { finishReason: 'length' } });
    expect(fast.runs).toBe(fastRuns + 100);
    expect(h.stages[1]!.runs).toBe(2 + 2999);
    expect(await spedUp(h, 'l1')).toMatchObject({ outcome: { stages: [{ layers: [0, 4] }] } });
    expect(h.events.filter((e) => e.kind === 'sped-up')).toHaveLength(1);
  });

  it('a speed-up whose first runs fail is released; the 4-bit pipeline goes on serving', async () => {
    const h = harness({ modes: ['answer', 'fail'] });
    await send(h, fastLoad('l1'));
    expect(await spedUp(h, 'l1')).toMatchObject({ outcome: { error: { message: expect.stringMatching(/kernel failed/) } } });
    expect(h.stages.map((s) => s.releases)).toEqual([0, 1]);
    expect(await send(h, generate('g1', 2))).toMatchObject({ kind: 'done' });
  });

  it('an unload while the speed-up is built stops it and releases what it made; no sped-up event', async () => {
    const h = gatedHarness();
    await send(h, fastLoad('l1'));
    expect(await send(h, { kind: 'unload', id: 'u' })).toMatchObject({ kind: 'unloaded' });
    expect(h.builds[1]!.signal?.aborted).toBe(true);
    h.finish();
    await vi.waitFor(() => expect(h.stages.map((s) => s.releases)).toEqual([1, 1]));
    expect(h.events.some((e) => e.kind === 'sped-up')).toBe(false);
  });

  it('small unpacks load at full speed at once; fastStart false never starts on 4-bit', async () => {
    for (const request of [load('l1'), { ...load('l2'), unpackBytes: 2 ** 30, fastStart: false }]) {
      const h = gatedHarness();
      expect(await send(h, request)).toMatchObject({ kind: 'loaded', report: { speedUp: null } });
      expect(h.builds.map((b) => [b.unpackBytes > 0, b.allInWorkers])).toEqual([[true, false]]);
    }
  });

  it('a memory too short for a useful context beside both pipelines loads at full speed', async () => {
    const files = modelFiles();
    const h = gatedHarness(2 * (2 * files.model.byteLength));
    expect(await send(h, { ...fastLoad('l1'), unpackBytes: 2 ** 30 })).toMatchObject({ kind: 'loaded', report: { speedUp: null } });
    expect(h.builds).toHaveLength(1);
  });
});

describe('SpeedUp', () => {
  const plan = { unpackedBytes: 1, contextTokens: 100 };

  it('a failed build is the outcome; the pipeline serving goes on as it was', async () => {
    const serving = new FakeStage(DECODER_INFO, 'answer');
    const pipeline = new Pipeline([serving]);
    const speedUp = new SpeedUp(pipeline, plan, async () => {
      throw new Error('Failed to create the session: out of memory');
    });
    expect(speedUp.mustWait(101)).toBe(true);
    expect(speedUp.mustWait(100)).toBe(false);
    speedUp.start();
    expect(await speedUp.apply()).toMatchObject({ error: { message: expect.stringMatching(/out of memory/) } });
    expect(pipeline.stages).toEqual([serving]);
    expect(serving.releases).toBe(0);
    expect(speedUp.mustWait(101)).toBe(false);
  });

  it('applied once, the same outcome to every caller', async () => {
    const pipeline = new Pipeline([new FakeStage(DECODER_INFO, 'answer')]);
    const built = new FakeStage(DECODER_INFO, 'answer');
    const speedUp = new SpeedUp(pipeline, plan, async () => ({ pipeline: new Pipeline([built]), stages: [] }));
    speedUp.start();
    const [a, b] = await Promise.all([speedUp.apply(), speedUp.apply()]);
    expect(a).toBe(b);
    expect(pipeline.stages).toEqual([built]);
    expect(built.releases).toBe(0);
  });
});
