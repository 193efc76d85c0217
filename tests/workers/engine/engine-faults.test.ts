// The engine under faults, with the store, the GPU and onnxruntime faked (engine-harness.ts): a
// load that fails after its pipeline exists releases it, a load stops between phases when
// aborted, and a lost GPU device fails the request running on it, drops the model, and the next
// load asks for a new device.
import { describe, expect, it, vi } from 'vitest';
import type { DeviceChoice } from '../../../workers/engine/gpu-device.ts';
import { DECODER_INFO, harness, load, modelFiles, opened, send } from './engine-harness.ts';

describe('a load that fails', () => {
  it('after its pipeline exists (the graph is not a decoder) releases the pipeline', async () => {
    const h = harness({ info: { ...DECODER_INFO, inputNames: ['input_ids'] } });
    const event = await send(h, load('l1'));
    expect(event).toMatchObject({ kind: 'error', error: { code: 'model_files_invalid' } });
    expect(h.stages.map((s) => s.releases)).toEqual([1]);
  });

  it('in the warm-up releases the pipeline, and the engine loads again', async () => {
    // The first load's stage fails its warm-up run; the second load's stage answers.
    const h = harness({ modes: ['fail'] });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { message: 'the kernel failed' } });
    expect(h.stages[0]!.releases).toBe(1);
    expect(await send(h, load('l2'))).toMatchObject({ kind: 'loaded' });
    expect(h.stages[1]!.releases).toBe(0);
  });
});

describe('abort during a load', () => {
  it('stops between phases: aborted while verifying, no pipeline is made', async () => {
    const h = harness();
    const files = modelFiles();
    h.deps.openModel = vi.fn(async () => {
      h.engine.handle({ kind: 'abort', id: 'a', target: 'l1' });
      return opened(files);
    });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { code: 'aborted' } });
    // Counted by the stages made: a failure message listing the calls would print the model's bytes.
    expect(h.stages).toHaveLength(0);
  });

  it('stops before the warm-up once the pipeline exists, and releases it', async () => {
    const h = harness();
    const create = h.deps.createPipeline;
    h.deps.createPipeline = vi.fn(async (options) => {
      const made = await create(options);
      h.engine.handle({ kind: 'abort', id: 'a', target: 'l1' });
      return made;
    });
    expect(await send(h, load('l1'))).toMatchObject({ kind: 'error', error: { code: 'aborted' } });
    expect(h.stages[0]!.runs).toBe(0);
    expect(h.stages[0]!.releases).toBe(1);
  });
});

describe('a lost GPU device', () => {
  it('fails the answer running on it, drops the model, and the next load gets a new device', async () => {
    const devices: { lose: (info: GPUDeviceLostInfo) => void }[] = [];
    const h = harness({
      chooseDevice: vi.fn(async () => {
        let lose!: (info: GPUDeviceLostInfo) => void;
        const lost = new Promise<GPUDeviceLostInfo>((resolve) => (lose = resolve));
        devices.push({ lose });
        const gpu = { lost, limits: { maxStorageBufferBindingSize: 2 ** 30 } } as unknown as GPUDevice;
        return { device: 'webgpu', gpu, adapter: 'fake', shaderF16: false, notes: [] } as DeviceChoice;
      }),
    });
    expect(await send(h, load('l1', 'webgpu'))).toMatchObject({ kind: 'loaded' });
    h.stages[0]!.mode = 'hang';
    const answer = h.settled('g1');
    h.engine.handle({ kind: 'generate', id: 'g1', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 });
    await h.stages[0]!.hung;
    devices[0]!.lose({ reason: 'destroyed', message: 'Device was destroyed.' } as GPUDeviceLostInfo);
    expect(await answer).toMatchObject({ kind: 'error', error: { code: 'device_lost', message: expect.stringMatching(/load it again/) } });
    expect(h.stages[0]!.releases).toBe(1);
    // The next request is told why, not left to a dead device.
    expect(await send(h, { kind: 'generate', id: 'g2', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 })).toMatchObject({ kind: 'error', error: { code: 'device_lost' } });
    expect(await send(h, load('l2', 'webgpu'))).toMatchObject({ kind: 'loaded' });
    expect(h.deps.chooseDevice).toHaveBeenCalledTimes(2);
    expect(await send(h, { kind: 'generate', id: 'g3', input: { mode: 'completion', prompt: 'Hello' }, maxTokens: 2 })).toMatchObject({ kind: 'done' });
  });
});
