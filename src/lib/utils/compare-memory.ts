// Whether the compare view may hold both models at once (two engine workers streaming side by
// side) or must run them one after the other in one worker. Pure, so the rule is testable; the
// page's ?compareMemory=short|ample overrides it (tests, and users who know their machine).
import { catalogEntry, memoryBytes, type CatalogDtype } from '../catalog/models.ts';
import type { GpuCapabilities } from './gpu-capabilities.ts';

export type MemoryOverride = 'short' | 'ample';

export type CompareSchedule = { mode: 'parallel' } | { mode: 'sequential'; reason: 'override' } | { mode: 'sequential'; reason: 'memory'; neededBytes: number; budgetBytes: number };

export interface ScheduleInput {
  /** Each model's bytes when loaded (weights + planned KV cache); null when unknown. */
  modelBytes: readonly (number | null)[];
  /** What this page may hold; null when the browser does not say. */
  budgetBytes: number | null;
  override: MemoryOverride | null;
}

/**
 * Parallel unless told otherwise or the known sizes exceed the known budget. An unknown size
 * counts as fitting: it is a repository outside the catalog, usually a small or test model.
 */
export function compareSchedule({ modelBytes, budgetBytes, override }: ScheduleInput): CompareSchedule {
  if (override === 'short') return { mode: 'sequential', reason: 'override' };
  if (override === 'ample' || budgetBytes === null) return { mode: 'parallel' };
  const neededBytes = modelBytes.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0);
  return neededBytes > budgetBytes ? { mode: 'sequential', reason: 'memory', neededBytes, budgetBytes } : { mode: 'parallel' };
}

export function memoryOverride(search: string): MemoryOverride | null {
  const value = new URLSearchParams(search).get('compareMemory');
  return value === 'short' || value === 'ample' ? value : null;
}

/** A catalog model's bytes at the dtype the engine will pick; null outside the catalog. */
export function catalogModelBytes(repo: string, dtype: CatalogDtype): number | null {
  const entry = catalogEntry(repo);
  return entry ? memoryBytes(entry, dtype) : null;
}

/**
 * On WebGPU, four times the adapter's largest buffer (the catalog's guess at what one tab may
 * allocate); on the CPU, half of navigator.deviceMemory (GiB, Chromium only, capped at 8).
 */
export function memoryBudget(caps: GpuCapabilities | null, onGpu: boolean, deviceMemoryGiB: number | undefined): number | null {
  if (onGpu && caps?.webgpu) return 4 * caps.adapter.maxBufferSizeBytes;
  return deviceMemoryGiB ? (deviceMemoryGiB * 2 ** 30) / 2 : null;
}
