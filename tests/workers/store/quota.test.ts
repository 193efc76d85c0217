// The pre-download storage check: a real shortfall is refused with the figures; Chrome's capped
// estimate (usage + 10 GiB whatever the disk holds) does not refuse a bigger model.
import { afterEach, describe, expect, it } from 'vitest';
import { REPORTED_ROOM_CAP, checkQuota } from '../../../workers/store/quota.ts';
import { EngineError } from '../../../workers/protocol/errors.ts';

const GiB = 2 ** 30;
const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

function estimateReturns(quota: number, usage: number): void {
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { storage: { estimate: async () => ({ quota, usage }) } } });
}

afterEach(() => {
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

describe('checkQuota', () => {
  it('refuses a model larger than the room the browser reports below its cap', async () => {
    estimateReturns(12 * GiB, 4 * GiB);
    const error = await checkQuota(9 * GiB, 'Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4 (q4)').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('storage_quota');
    expect((error as EngineError).message).toContain('needs 9.00 GB but the browser allows this site only 8.00 GB more');
  });

  it('lets a model through when the room reported is exactly Chrome’s 10 GiB cap', async () => {
    estimateReturns(3 * GiB + REPORTED_ROOM_CAP, 3 * GiB);
    await expect(checkQuota(11.5 * GiB, '7B')).resolves.toBeUndefined();
  });

  it('lets a model through that fits, and skips where the API is missing', async () => {
    estimateReturns(100 * GiB, 0);
    await expect(checkQuota(11.5 * GiB, '7B')).resolves.toBeUndefined();
    Object.defineProperty(globalThis, 'navigator', { configurable: true, value: {} });
    await expect(checkQuota(11.5 * GiB, '7B')).resolves.toBeUndefined();
  });
});
