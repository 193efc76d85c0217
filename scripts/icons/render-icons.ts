// `npm run icons`: renders the app icons the web manifest lists from public/favicon.svg, in
// headless Chromium: 192 and 512 px as drawn, and a 512 px maskable one whose mark sits inside
// the safe zone (the inner 80% circle) on a full-bleed background, as Android crops it.
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM_PATH } from '../../e2e/helpers/browser.ts';

const svg = readFileSync(new URL('../../public/favicon.svg', import.meta.url), 'utf8');
const out = (name: string): string => new URL(`../../public/icons/${name}`, import.meta.url).pathname;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH });
const page = await browser.newPage();
for (const size of [192, 512]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<style>body{margin:0}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
  await page.screenshot({ path: out(`icon-${size}.png`), omitBackground: true });
}
// Maskable: the whole square is background; the mark is scaled into the safe zone.
await page.setViewportSize({ width: 512, height: 512 });
await page.setContent(`<style>body{margin:0;background:#4f46e5;display:grid;place-items:center;width:512px;height:512px}svg{width:${512 * 0.62}px;height:${512 * 0.62}px}</style>${svg}`);
await page.screenshot({ path: out('icon-maskable-512.png') });
await browser.close();
console.log('icons written to public/icons/');
