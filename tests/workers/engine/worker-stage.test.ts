// A stage in its own worker, with a fake Worker: when the worker crashes, the run waiting on it
// fails with engine_crashed (the answer does not spin forever), and so does every run after.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { StageEvent, StageRequest } from '../../../workers/engine/split/stage-protocol.ts';
import type { WorkerStage as WorkerStageClass } from '../../../workers/engine/split/worker-stage.ts';

class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((message: MessageEvent<StageEvent>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  readonly posted: StageRequest[] = [];
  terminated = false;
  /** Settles when a run is posted. */
  readonly ran: Promise<void>;
  #ran = (): void => undefined;

  constructor() {
    FakeWorker.last = this;
    this.ran = new Promise((resolve) => (this.#ran = resolve));
  }

  postMessage(request: StageRequest): void {
    this.posted.push(request);
    if (request.kind === 'run') this.#ran();
    // The session is made at once; runs are left waiting.
    if (request.kind === 'create') queueMicrotask(() => this.onmessage?.({ data: { kind: 'created', info: { inputNames: [], outputNames: ['logits'], inputMetadata: [] } } } as unknown as MessageEvent<StageEvent>));
  }

  terminate(): void {
    this.terminated = true;
  }
}

let WorkerStage: typeof WorkerStageClass;

beforeAll(async () => {
  vi.stubGlobal('self', { crossOriginIsolated: false });
  vi.stubGlobal('Worker', FakeWorker);
  ({ WorkerStage } = await import('../../../workers/engine/split/worker-stage.ts'));
});

describe('WorkerStage when its worker crashes', () => {
  it('fails the waiting run and every later one with engine_crashed', async () => {
    const graph = { fileName: 'stage 2', model: new Uint8Array(4), externalData: [] };
    const stage = await WorkerStage.create(graph, { kvHeads: 2, headDim: 32, contextTokens: 32_768 }, 'qwen-stage-1');
    const worker = FakeWorker.last!;
    const running = stage.run({}, [1, 2]);
    await worker.ran;
    worker.onerror!({ message: 'RuntimeError: memory access out of bounds' } as ErrorEvent);
    await expect(running).rejects.toMatchObject({ code: 'engine_crashed', detail: { cause: 'RuntimeError: memory access out of bounds' } });
    expect(worker.terminated).toBe(true);
    await expect(stage.run({}, [3])).rejects.toMatchObject({ code: 'engine_crashed' });
  });
});
