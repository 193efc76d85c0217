// Whether the compare view may hold both models at once (two engine workers streaming side by
// side) or must run them one after the other in one worker. Pure, so the rule is testable; the
// page's ?compareMemory=short|ample overrides it (tests, and users who know their machine).
import { modelMemoryBytes, type CapabilityDevice } from '../catalog/capability.ts';
import { catalogEntry } from '../catalog/models.ts';

export type MemoryOverride = 'short' | 'ample';

export type CompareSchedule = { mode: 'parallel' } | { mode: 'sequential'; reason: 'override' } | { mode: 'sequential'; reason: 'memory'; neededBytes: number; budgetBytes: number };

export interface ScheduleInput {
  /** Each model's bytes when loaded (weights + planned KV cache); null when unknown. */
  modelBytes: readonly (number | null)[];
  /** What this page may hold (the capability check's budget). */
  budgetBytes: number;
  override: MemoryOverride | null;
}

/**
 * Parallel unless told otherwise or the known sizes exceed the budget. An unknown size counts as
 * fitting: it is a repository outside the catalog, usually a small or test model.
 */
export function compareSchedule({ modelBytes, budgetBytes, override }: ScheduleInput): CompareSchedule {
  if (override === 'short') return { mode: 'sequential', reason: 'override' };
  if (override === 'ample') return { mode: 'parallel' };
  const neededBytes = modelBytes.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0);
  return neededBytes > budgetBytes ? { mode: 'sequential', reason: 'memory', neededBytes, budgetBytes } : { mode: 'parallel' };
}

export function memoryOverride(search: string): MemoryOverride | null {
  const value = new URLSearchParams(search).get('compareMemory');
  return value === 'short' || value === 'ample' ? value : null;
}

/** Ample for a compare run: one question and a short answer. */
const COMPARE_CONTEXT_TOKENS = 8192;

/** A catalog model's bytes on `device` (weights and KV cache, as the capability check counts them); null outside the catalog. */
export function catalogModelBytes(repo: string, device: CapabilityDevice): number | null {
  const entry = catalogEntry(repo);
  return entry ? modelMemoryBytes(entry, device, COMPARE_CONTEXT_TOKENS) : null;
}

