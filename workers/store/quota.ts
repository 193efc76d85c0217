// Checks free storage before a download writes anything, so a model that cannot fit is refused
// with the figures instead of failing half-way. navigator.storage.estimate() is per origin.
import { EngineError } from '../protocol/errors.ts';

/**
 * Chrome (138 on) reports quota as usage + min(10 GiB, what is really left) in every browsing
 * mode, so that the figure does not give incognito away; the quota it enforces is unaffected.
 * Exactly this much reported room is a floor, not a limit: a 7B checkpoint and its conversion
 * (about 11 GB) would be refused on a disk with room to spare.
 */
export const REPORTED_ROOM_CAP = 10 * 2 ** 30;

/**
 * Throws storage_quota when `neededBytes` more will not fit. Skipped where the API is missing, and
 * where the figure is Chrome's cap: storage running out mid-way then keeps what was stored.
 */
export async function checkQuota(neededBytes: number, what: string): Promise<void> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return;
  const { quota, usage } = await storage.estimate();
  if (quota === undefined || usage === undefined) return;
  const available = quota - usage;
  if (neededBytes > available && available !== REPORTED_ROOM_CAP) {
    throw new EngineError(
      'storage_quota',
      `Not enough storage for ${what}: it needs ${formatBytes(neededBytes)} but the browser allows this site only ${formatBytes(Math.max(0, available))} more. Delete stored models you no longer use, or free disk space, then try again.`,
      { neededBytes, availableBytes: available, quotaBytes: quota, usageBytes: usage },
    );
  }
}

/** Storage ran out mid-way: what is stored is kept, and `neededBytes` more would finish it. */
export function quotaExceeded(what: string, neededBytes: number | null, cause: unknown): EngineError {
  const needed = neededBytes === null ? '' : ` It needs ${formatBytes(neededBytes)} (${neededBytes.toLocaleString('en-US')} bytes) more.`;
  return new EngineError(
    'storage_quota',
    `The browser ran out of storage while saving ${what}. What was downloaded is kept, and the download resumes from there.${needed} Delete stored models you no longer use, or free disk space, then load it again.`,
    { neededBytes, cause: String(cause) },
  );
}

export function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'QuotaExceededError' || /quota/i.test(error.message));
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  return `${Math.round(bytes / 2 ** 10)} KB`;
}
