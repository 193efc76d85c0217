// What the engine worker answers beside its queue: the model store's list and deletes (the UI's
// only way to them, under the per-model lock) and the check of a response_format as it is typed.
import { describe, expect, it } from 'vitest';
import { isSideRequest, type WorkerEvent, type WorkerRequest, type WorkerSideRequest } from '../../../workers/protocol/messages.ts';
import { answerSideRequest } from '../../../workers/engine/side-requests.ts';
import { modelKey } from '../../../workers/store/records.ts';
import { ensure, fixtureRepoOf, request, useHub } from '../store/store-harness.ts';

const single = fixtureRepoOf('optimum-q4');
const hub = useHub();

async function ask(request: WorkerSideRequest): Promise<WorkerEvent> {
  const events: WorkerEvent[] = [];
  await answerSideRequest(request, (event) => events.push(event));
  expect(events).toHaveLength(1);
  expect(events[0]!.id).toBe(request.id);
  return events[0]!;
}

describe('side requests', () => {
  it('lists the stored models with their sizes, deletes one by key, and lists the other after', async () => {
    await ensure(request(hub(), single.repo));
    await ensure(request(hub(), single.repo, { dtype: 'fp32' }));
    const listed = await ask({ kind: 'stored-models', id: 'a' });
    const models = listed.kind === 'stored-models' ? listed.models : [];
    expect(models.map((m) => m.dtype)).toEqual(['fp32', 'q4']);
    const q4 = models[1]!;
    expect(q4).toMatchObject({ key: modelKey(single.repo, 'q4'), repo: single.repo, dtype: 'q4', state: 'ready' });
    expect(q4.bytes).toBe(q4.totalBytes);
    expect(q4.bytes).toBeGreaterThan(1_000_000);

    expect(await ask({ kind: 'delete-stored', id: 'b', key: q4.key })).toEqual({ kind: 'deleted', id: 'b' });
    const after = await ask({ kind: 'stored-models', id: 'c' });
    expect(after.kind === 'stored-models' && after.models.map((m) => m.key)).toEqual([modelKey(single.repo, 'fp32')]);
  });

  it('deletes every model when no key is given', async () => {
    await ensure(request(hub(), single.repo));
    await ensure(request(hub(), single.repo, { dtype: 'fp32' }));
    await ask({ kind: 'delete-stored', id: 'd' });
    expect(await ask({ kind: 'stored-models', id: 'e' })).toEqual({ kind: 'stored-models', id: 'e', models: [] });
  });

  it("checks a format's shape and whether the grammar supports its schema", async () => {
    const schema = (s: Record<string, unknown>) => ({ type: 'json_schema', json_schema: { name: 'x', schema: s } });
    expect(await ask({ kind: 'check-format', id: 'f', format: schema({ type: 'object', properties: { a: { type: 'string' } } }) })).toEqual({ kind: 'format-checked', id: 'f', problems: [] });
    const unsupported = await ask({ kind: 'check-format', id: 'g', format: schema({ type: 'string', pattern: '(?<=a)b' }) });
    expect(unsupported.kind === 'format-checked' && unsupported.problems.join(' ')).toMatch(/pattern/);
    const badShape = await ask({ kind: 'check-format', id: 'h', format: { type: 'xml' } });
    expect(badShape.kind === 'format-checked' && badShape.problems.join(' ')).toMatch(/response_format.type must be/);
  });

  it('tells side requests from engine requests', () => {
    expect(['stored-models', 'delete-stored', 'check-format'].every((kind) => isSideRequest({ kind } as WorkerRequest))).toBe(true);
    expect(['load', 'generate', 'score', 'abort', 'unload', 'stats'].some((kind) => isSideRequest({ kind } as WorkerRequest))).toBe(false);
  });
});
