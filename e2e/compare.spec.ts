// The compare view on the forged base + instruct pair (WASM): both panes stream, side by side by
// default and one after the other when memory is marked short; the alignment diff's ranks and
// shares against onnxruntime-node on the same files; the token details by hover, tap and keyboard;
// axe in both themes and the Chinese text; screenshots at desktop and phone width.
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { HUB_ROOT } from '../scripts/forge/fixture-set.ts';
import { shiftCategory, summarize } from '../src/lib/utils/alignment-diff.ts';
import { COMPARE_SYSTEM_PROMPT } from '../src/lib/utils/compare-prompts.ts';
import type { DiffExportFile } from '../src/lib/utils/diff-export.ts';
import { ModelRunner } from '../tests/helpers/model-runner.ts';
import { referenceScores } from '../tests/helpers/teacher-forcing-reference.ts';
import { exportedDiff, openCompare, paneLog, paneTimes, recordPanes, runCompare } from './helpers/compare-page.ts';
import { TINY_BASE, TINY_INSTRUCT } from './helpers/hub.ts';
import { referenceGreedy, tokenizerFor } from './helpers/reference.ts';
import { expectNoHorizontalScroll } from './helpers/ui-chat.ts';
import { expectTranslated } from './helpers/ui-i18n.ts';

const QUESTION = 'Explain what a large language model is in two sentences.';
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;
// For the record, into the test's output folder: not committed and not compared (fonts and
// antialiasing differ between machines; what each test asserts is the layout, not the pixels).
const shot = (name: string): string => test.info().outputPath(`${name}.png`);

async function openOnQuestion(page: Page, extra = ''): Promise<void> {
  await openCompare(page, extra);
  await page.getByTestId('compare-question').fill(QUESTION);
  await recordPanes(page);
}

/** The diff checked against onnxruntime-node: the chat model's greedy answer, read by the base model. */
async function expectDiffMatchesNode(diff: DiffExportFile, maxTokens: number): Promise<void> {
  const messages = [
    { role: 'system' as const, content: COMPARE_SYSTEM_PROMPT },
    { role: 'user' as const, content: QUESTION },
  ];
  const tokenizer = await tokenizerFor(TINY_INSTRUCT);
  const promptIds = tokenizer.encode(tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false }) as string, { add_special_tokens: false }) as number[];
  expect(diff.promptIds).toEqual(promptIds);
  const answer = await referenceGreedy(TINY_INSTRUCT, 'model_q4.onnx', { messages }, maxTokens);
  const answerIds = answer.at(-1) === tokenizer.eos_token_id ? answer.slice(0, -1) : answer;
  expect(diff.tokens.map((t) => t.id)).toEqual(answerIds);

  const runner = await ModelRunner.open('node', join(HUB_ROOT, TINY_BASE, 'resolve', 'main', 'onnx'), 'model_q4.onnx');
  const reference = await referenceScores(runner, promptIds, answerIds, 1e-4).finally(() => runner.release());
  // Ranks are exact wherever float noise cannot reorder them (no other logit within 1e-4 of the
  // token's); elsewhere WASM's and onnxruntime-node's last bits may swap a few close neighbours.
  let exact = 0;
  diff.tokens.forEach((token, i) => {
    const ref = reference[i]!;
    if (ref.near === 0) expect(token.baseRank, `token ${i}`).toBe(ref.rank);
    else expect(Math.abs(token.baseRank - ref.rank), `token ${i}`).toBeLessThanOrEqual(ref.near);
    if (token.baseRank === ref.rank) exact++;
    expect(token.category).toBe(shiftCategory(ref.rank));
    expect(token.baseTop.map((c) => c.id)).toEqual(ref.top.map((c) => c.id));
    expect(Math.abs(token.baseProbability - ref.probability)).toBeLessThanOrEqual(1e-3 * ref.probability);
    // The chat model scored its own greedy answer: its first choice every time.
    expect(token.chatRank).toBe(1);
  });
  expect(diff.summary).toEqual(summarize(reference.map((r) => r.rank)));
  console.log(`diff on the forged pair: ${diff.tokens.length} tokens, ${exact} ranks identical to onnxruntime-node's, shares ${JSON.stringify(diff.summary.percent)}`);
}

test('both panes stream side by side, and the diff equals onnxruntime-node\'s', async ({ page }) => {
  test.setTimeout(240_000);
  await openOnQuestion(page);
  const started = Date.now();
  await runCompare(page, { format: 'raw', maxTokens: 64 });
  console.log(`parallel run with diff: ${Date.now() - started} ms`);
  await expect(page.getByTestId('compare-view')).toHaveAttribute('data-schedule', 'parallel');
  await expect(page.getByTestId('compare-notice')).toHaveCount(0);
  const log = await paneLog(page);
  const base = paneTimes(log, 'compare-base-output');
  const chat = paneTimes(log, 'compare-chat-output');
  console.log(`parallel: base text ${base.firstTextMs.toFixed(0)}-${base.doneMs.toFixed(0)} ms, chat text ${chat.firstTextMs.toFixed(0)}-${chat.doneMs.toFixed(0)} ms`);
  expect(log.some((c) => c.status === 'waiting')).toBe(false);
  // Both were writing at the same time.
  expect(base.firstTextMs).toBeLessThan(chat.doneMs);
  expect(chat.firstTextMs).toBeLessThan(base.doneMs);
  await expect(page.getByTestId('compare-base-output')).not.toBeEmpty();

  const diff = await exportedDiff(page);
  expect(diff).toMatchObject({ format: 'qwen-local-alignment-diff', models: { base: TINY_BASE, chat: TINY_INSTRUCT }, question: QUESTION, baseFormat: 'raw' });
  await expectDiffMatchesNode(diff, 64);
  const summary = page.getByTestId('diff-summary');
  for (const category of ['unshifted', 'marginal', 'shifted'] as const) await expect(summary).toHaveAttribute(`data-${category}`, String(diff.summary.counts[category]));
  // Every diff token on screen carries its category; together they spell the chat answer.
  const tokens = page.getByTestId('diff-token');
  const categories = await tokens.evaluateAll((els) => els.map((el) => el.getAttribute('data-category')));
  expect(categories.length).toBeGreaterThan(0);
  expect(new Set(categories)).toEqual(new Set(diff.tokens.map((t) => t.category)));
  expect((await tokens.allTextContents()).join('')).toBe(await page.getByTestId('compare-chat-output').textContent());
});

test('one after the other, with a notice, when memory is marked short', async ({ page }) => {
  test.setTimeout(240_000);
  await openOnQuestion(page, '&compareMemory=short');
  await runCompare(page, { format: 'urial', maxTokens: 32 });
  await expect(page.getByTestId('compare-view')).toHaveAttribute('data-schedule', 'sequential');
  await expect(page.getByTestId('compare-notice')).toContainText('one after the other');
  const log = await paneLog(page);
  const base = paneTimes(log, 'compare-base-output');
  const chat = paneTimes(log, 'compare-chat-output');
  console.log(`sequential: chat text ${chat.firstTextMs.toFixed(0)}-${chat.doneMs.toFixed(0)} ms, base text ${base.firstTextMs.toFixed(0)}-${base.doneMs.toFixed(0)} ms`);
  // The base pane waited while the chat model wrote, and began only after it was done.
  expect(log.filter((c) => c.pane === 'compare-base-output' && c.atMs < chat.doneMs).every((c) => c.status === 'waiting' || c.status === 'idle')).toBe(true);
  expect(base.firstTextMs).toBeGreaterThan(chat.doneMs);
  const diff = await exportedDiff(page);
  expect(diff.baseFormat).toBe('urial');
  await expectDiffMatchesNode(diff, 32);
});

async function expectNoAxeViolations(page: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page }).include('[data-testid="compare-view"]').analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), where).toEqual([]);
}

test('token details on hover, tap and keyboard; axe, Chinese; screenshots at desktop and phone width', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize(VIEWPORTS.desktop);
  await openOnQuestion(page);
  await runCompare(page, { format: 'chat', maxTokens: 40 });
  const token = page.getByTestId('diff-token').nth(2);
  const popover = page.getByTestId('diff-popover');
  await token.hover();
  await expect(popover).toBeVisible();
  await expect(popover.getByRole('listitem')).toHaveCount(5);
  await expect(popover).toContainText('Chat model’s probability of this token');
  await page.mouse.move(0, 0);
  await expect(popover).toHaveCount(0);

  await token.focus();
  await expect(popover).toBeVisible();
  await expect(token).toHaveAttribute('aria-describedby', (await popover.getAttribute('id'))!);
  await popover.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot('compare-desktop') });
  await expectNoAxeViolations(page, 'light, details open');
  await token.press('Escape');
  await expect(popover).toHaveCount(0);
  await page.getByTestId('theme-select').selectOption('dark');
  await expectNoAxeViolations(page, 'dark');
  await expectTranslated(page, 'en', 'compare view with a diff');
  await page.getByTestId('language-select').selectOption('zh-CN');
  await expect(page.getByTestId('compare-view')).toContainText('如何阅读');
  await expect(page.getByTestId('diff-summary')).toContainText('偏移');
  await expectTranslated(page, 'zh-CN', 'compare view with a diff');
  await page.getByTestId('language-select').selectOption('en');
  await page.getByTestId('theme-select').selectOption('light');

  await page.setViewportSize(VIEWPORTS.phone);
  await expectNoHorizontalScroll(page);
  await page.getByTestId('diff-token').nth(4).click();
  await expect(popover).toBeVisible();
  await popover.scrollIntoViewIfNeeded();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: shot('compare-phone') });
});
