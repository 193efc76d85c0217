// Drives the compare view from tests: open it on the forged base + instruct pair, record when
// each pane changed (text and status) to tell parallel from sequential runs, and read the
// exported diff.
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import type { DiffExportFile } from '../../src/lib/utils/diff-export.ts';
import { HUB_URL, TINY_BASE, TINY_INSTRUCT } from './hub.ts';

export const PANES = ['compare-base-output', 'compare-chat-output'] as const;
type PaneId = (typeof PANES)[number];

export interface PaneChange {
  atMs: number;
  pane: PaneId;
  status: string;
  chars: number;
}

export async function openCompare(page: Page, extra = ''): Promise<void> {
  const query = `hub=${encodeURIComponent(HUB_URL)}&model=${encodeURIComponent(TINY_INSTRUCT)}&base=${encodeURIComponent(TINY_BASE)}&device=wasm&dtype=q4${extra}`;
  await page.goto(`/?${query}#/compare`);
  await expect(page.getByTestId('compare-view')).toBeVisible();
}

/** Starts logging every change to either pane's output (its text length and data-status). */
export async function recordPanes(page: Page): Promise<void> {
  await page.evaluate((panes) => {
    const log: PaneChange[] = [];
    (globalThis as unknown as { paneLog: PaneChange[] }).paneLog = log;
    for (const pane of panes) {
      const element = document.querySelector(`[data-testid="${pane}"]`)!;
      const note = (): number => log.push({ atMs: performance.now(), pane, status: element.getAttribute('data-status') ?? '', chars: element.textContent?.length ?? 0 });
      note();
      new MutationObserver(note).observe(element, { attributes: true, childList: true, characterData: true, subtree: true });
    }
  }, PANES);
}

export async function paneLog(page: Page): Promise<PaneChange[]> {
  return page.evaluate(() => (globalThis as unknown as { paneLog: PaneChange[] }).paneLog);
}

/** When a pane first showed text and when it was first done. */
export function paneTimes(log: PaneChange[], pane: PaneId): { firstTextMs: number; doneMs: number } {
  const mine = log.filter((c) => c.pane === pane);
  return { firstTextMs: mine.find((c) => c.chars > 0)?.atMs ?? NaN, doneMs: mine.find((c) => c.status === 'done')?.atMs ?? NaN };
}

export async function runCompare(page: Page, options: { format: 'raw' | 'chat' | 'urial'; maxTokens: number }): Promise<void> {
  await page.getByTestId('compare-format').selectOption(options.format);
  await page.getByTestId('compare-max-tokens').fill(String(options.maxTokens));
  await page.getByTestId('compare-run').click();
  for (const pane of PANES) await expect(page.getByTestId(pane)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('diff-summary')).toBeVisible({ timeout: 120_000 });
}

export async function exportedDiff(page: Page): Promise<DiffExportFile> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diff-export').click()]);
  return JSON.parse(readFileSync((await download.path())!, 'utf8')) as DiffExportFile;
}
