// The engine's own job on fakes (engine-harness.ts): requests run in the order sent, one at a
// time; abort ends a running answer or a queued one; a failed load leaves no model; stats are
// answered while a request runs.
import { describe, expect, it } from 'vitest';
import type { EngineEvent, GenerateInput, GenerateRequest } from '../../../workers/protocol/messages.ts';
import { harness, load, send, type Harness } from './engine-harness.ts';

const generate = (id: string, prompt: string, maxTokens: number): GenerateRequest => ({
  kind: 'generate',
  id,
  input: { mode: 'completion', prompt },
  maxTokens,
  sampling: { temperature: 0 },
});

async function loaded(): Promise<Harness> {
  const h = harness();
  expect(await send(h, load('l1'))).toMatchObject({ kind: 'loaded' });
  return h;
}

/** Holds the stage's next run until `release`: `running` settles once it has started. */
function holdNextRun(h: Harness): { running: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const running = new Promise<void>((resolve) => {
    h.stages[0]!.beforeRun = () => {
      resolve();
      return new Promise<void>((go) => (release = go));
    };
  });
  return { running, release: () => release() };
}

/** The ids of the answer events (tokens and ends), in the order emitted. */
const answerOrder = (events: EngineEvent[]): string[] => events.filter((e) => e.kind === 'token' || e.kind === 'done' || e.kind === 'error').map((e) => e.id);

describe('Engine', () => {
  it('runs requests in the order sent, never interleaved', async () => {
    const h = await loaded();
    const last = h.settled('g3');
    h.engine.handle(generate('g1', 'One', 3));
    h.engine.handle(generate('g2', 'Two', 3));
    h.engine.handle(generate('g3', 'Three', 3));
    expect(await last).toMatchObject({ kind: 'done' });
    // Three tokens and a done each, one request after the other.
    expect(answerOrder(h.events)).toEqual([...Array(4).fill('g1'), ...Array(4).fill('g2'), ...Array(4).fill('g3')]);
  });

  it('ends a running answer with finishReason abort, and serves the next request', async () => {
    const h = await loaded();
    const stage = h.stages[0]!;
    const runsBefore = stage.runs;
    // The abort arrives while the first decode step runs (the prefill was the run before).
    stage.beforeRun = (run) => {
      if (run === runsBefore + 2) h.engine.handle({ kind: 'abort', id: 'a', target: 'g1' });
    };
    // Stopped after the token that step gave: two of the 50 allowed.
    expect(await send(h, generate('g1', 'Hello', 50))).toMatchObject({ kind: 'done', tokenIds: [0, 0], stats: { finishReason: 'abort' } });
    expect(await send(h, generate('g2', 'Hello', 2))).toMatchObject({ kind: 'done', stats: { finishReason: 'length' } });
  });

  it('aborts a queued request before it runs; the one running and the next one finish', async () => {
    const h = await loaded();
    const stage = h.stages[0]!;
    const runsBefore = stage.runs;
    const first = h.settled('g1');
    const second = h.settled('g2');
    h.engine.handle(generate('g1', 'Hello', 3));
    h.engine.handle(generate('g2', 'Queued', 3));
    h.engine.handle({ kind: 'abort', id: 'a', target: 'g2' });
    expect(await first).toMatchObject({ kind: 'done', stats: { finishReason: 'length' } });
    expect(await second).toMatchObject({ kind: 'error', error: { code: 'aborted' } });
    // g1's prefill and two decode steps: g2's prompt never reached the model.
    expect(stage.runs - runsBefore).toBe(3);
    expect(await send(h, generate('g3', 'Hello', 1))).toMatchObject({ kind: 'done' });
  });

  it('after a failed load has no model: it says so, and a generate gets model_not_loaded', async () => {
    const h = await loaded();
    h.deps.openModel = async () => {
      throw new Error('the disk is full');
    };
    expect(await send(h, load('l2'))).toMatchObject({ kind: 'error', error: { message: 'the disk is full' } });
    expect(await send(h, { kind: 'stats', id: 's' })).toMatchObject({ kind: 'stats', stats: { loaded: false } });
    expect(await send(h, generate('g1', 'Hello', 2))).toMatchObject({ kind: 'error', error: { code: 'model_not_loaded' } });
  });

  it('answers stats at once while a request runs', async () => {
    const h = await loaded();
    const { running, release } = holdNextRun(h);
    const answer = h.settled('g1');
    h.engine.handle(generate('g1', 'Hello', 2));
    await running;
    h.engine.handle({ kind: 'stats', id: 's' });
    expect(h.events.at(-1)).toMatchObject({ kind: 'stats', stats: { loaded: true, requestsServed: 1 } });
    h.stages[0]!.beforeRun = () => undefined;
    release();
    expect(await answer).toMatchObject({ kind: 'done' });
  });

  it('counts a prompt at once, as generate encodes it, even while a request runs; without a model says so', async () => {
    const empty = harness();
    expect(await send(empty, { kind: 'count', id: 'c0', input: { mode: 'completion', prompt: 'Hello' } })).toMatchObject({ kind: 'error', error: { code: 'model_not_loaded' } });
    const h = await loaded();
    const input: GenerateInput = { mode: 'chat', messages: [{ role: 'user', content: '<file name="a.txt">\nThe Grand Canal 京杭大运河\n</file>\n\nHow long is it?' }] };
    const { running, release } = holdNextRun(h);
    const answer = h.settled('g1');
    h.engine.handle({ ...generate('g1', '', 1), input });
    await running;
    h.engine.handle({ kind: 'count', id: 'c1', input });
    const counted = h.events.at(-1);
    expect(counted).toMatchObject({ kind: 'counted', id: 'c1' });
    h.stages[0]!.beforeRun = () => undefined;
    release();
    const done = await answer;
    expect(done.kind).toBe('done');
    const { promptTokens, contextTokens } = counted as Extract<EngineEvent, { kind: 'counted' }>;
    expect(promptTokens).toBe((done as Extract<EngineEvent, { kind: 'done' }>).stats.promptTokens);
    expect(promptTokens).toBeGreaterThan(10);
    expect(contextTokens).toBeGreaterThan(promptTokens);
  });
});
