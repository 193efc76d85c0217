// EngineClient against a fake Worker: a worker that crashes fails every pending request with
// engine_crashed (no answer left spinning), and the next request goes to a fresh worker; a
// generation stopped before its answer resolves with the text so far, not an error.
import { describe, expect, it } from 'vitest';
import { EngineClient } from '../../src/lib/services/engine-client.ts';
import type { EngineError } from '../../workers/protocol/errors.ts';
import type { EngineEvent, EngineRequest } from '../../workers/protocol/messages.ts';

/** Records what is posted to it; the test answers as the worker would, or makes it crash. */
class FakeWorker {
  onmessage: ((message: MessageEvent<EngineEvent>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  readonly posted: EngineRequest[] = [];
  terminated = false;

  postMessage(request: EngineRequest): void {
    this.posted.push(request);
  }

  terminate(): void {
    this.terminated = true;
  }

  answer(event: EngineEvent): void {
    this.onmessage?.({ data: event } as MessageEvent<EngineEvent>);
  }

  crash(message: string): void {
    this.onerror?.({ message } as ErrorEvent);
  }
}

function clientWithFakes(): { client: EngineClient; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const client = new EngineClient(() => {
    const worker = new FakeWorker();
    workers.push(worker);
    return worker as unknown as Worker;
  });
  return { client, workers };
}

const rejection = (promise: Promise<unknown>): Promise<EngineError> => promise.then(() => Promise.reject(new Error('resolved')), (e: EngineError) => e);

describe('EngineClient when its worker crashes', () => {
  it('rejects every pending request with engine_crashed and terminates the worker', async () => {
    const { client, workers } = clientWithFakes();
    const deltas: string[] = [];
    const generating = rejection(client.generate({ input: { mode: 'completion', prompt: 'hi' } }, { onDelta: (d) => deltas.push(d) }));
    const stats = rejection(client.stats());
    const first = workers[0]!;
    first.answer({ kind: 'token', id: first.posted[0]!.id, delta: 'He' });
    first.crash('RuntimeError: unreachable');
    for (const error of [await generating, await stats]) {
      expect(error.code).toBe('engine_crashed');
      expect(error.message).toMatch(/Load the model again/);
      expect(error.detail).toEqual({ cause: 'RuntimeError: unreachable' });
    }
    expect(deltas).toEqual(['He']);
    expect(first.terminated).toBe(true);
  });

  it('sends the next request to a fresh worker, which answers it', async () => {
    const { client, workers } = clientWithFakes();
    const lost = rejection(client.unload());
    workers[0]!.crash('boom');
    await lost;
    expect(workers).toHaveLength(1);
    const unloading = client.unload();
    expect(workers).toHaveLength(2);
    const fresh = workers[1]!;
    fresh.answer({ kind: 'unloaded', id: fresh.posted[0]!.id });
    await expect(unloading).resolves.toBeUndefined();
    // A late error from the dead worker changes nothing.
    workers[0]!.crash('late');
    expect(fresh.terminated).toBe(false);
  });
});

describe('EngineClient when a generation is stopped', () => {
  it("turns the worker's 'aborted' error into an answer with finishReason abort and the text so far", async () => {
    const { client, workers } = clientWithFakes();
    const controller = new AbortController();
    const generating = client.generate({ input: { mode: 'completion', prompt: 'hi' } }, { signal: controller.signal });
    const worker = workers[0]!;
    const id = worker.posted[0]!.id;
    worker.answer({ kind: 'token', id, delta: 'He' });
    controller.abort();
    expect(worker.posted[1]).toMatchObject({ kind: 'abort', target: id });
    worker.answer({ kind: 'error', id, error: { code: 'aborted', message: 'Stopped while reading the prompt.' } });
    await expect(generating).resolves.toMatchObject({ text: 'He', tokenIds: [], stats: { finishReason: 'abort', decodeTokens: 0 } });
  });
});

describe('EngineClient and a fast start', () => {
  it("hands the load's sped-up event, which comes after the load resolved, to that load's listener once", async () => {
    const { client, workers } = clientWithFakes();
    const heard: unknown[] = [];
    const loading = client.load({ source: { kind: 'huggingface' } as never, repo: 'r' }, undefined, undefined, (outcome) => heard.push(outcome));
    const worker = workers[0]!;
    const id = worker.posted[0]!.id;
    const report = { speedUp: { unpackedBytes: 1, contextTokens: 2048 } } as never;
    worker.answer({ kind: 'loaded', id, report });
    expect(await loading).toBe(report);
    const outcome = { stages: [], buildMs: 5 };
    worker.answer({ kind: 'sped-up', id, outcome });
    worker.answer({ kind: 'sped-up', id, outcome });
    expect(heard).toEqual([outcome]);
  });
});
