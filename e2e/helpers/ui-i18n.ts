// Reads every piece of UI text a user meets on the page (visible text, accessible names,
// tooltips, placeholders, select options) and checks it against the dictionaries. Content is
// left out: messages and model outputs, conversation titles, code, repository ids, and anything marked
// translate="no" (the brand, the GPU's own name) or with a lang of its own (a language's name
// in itself, the engine's English detail).
import { expect, type Page } from '@playwright/test';
import { en } from '../../src/lib/i18n/en.ts';
import { zh } from '../../src/lib/i18n/zh.ts';

export async function uiTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const SKIP =
      '[translate="no"], [lang]:not(html), .markdown, [data-testid="message-text"], [data-testid="conversation-item"] .open, [data-testid="compare-base-output"], [data-testid="compare-chat-output"], [data-testid="diff-token"], code, textarea, .katex, script, style';
    const texts: string[] = [];
    const push = (text: string | null | undefined): void => {
      const clean = text?.replace(/\s+/g, ' ').trim();
      if (clean) texts.push(clean);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      // The copy buttons inside rendered answers are the app's own.
      if (!parent || (parent.closest(SKIP) && !parent.matches('.copy-code')) || parent.closest('option')) continue;
      if (parent.checkVisibility({ visibilityProperty: true }) && parent.getClientRects().length > 0) push(node.textContent);
    }
    for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
      if (el.closest(SKIP) || !el.checkVisibility({ visibilityProperty: true })) continue;
      for (const attr of ['aria-label', 'title', 'placeholder']) push(el.getAttribute(attr));
    }
    for (const option of document.querySelectorAll<HTMLOptionElement>('select option')) {
      if (!option.closest(SKIP) && option.parentElement?.checkVisibility()) push(option.textContent);
    }
    // A conversation's title inside "Rename …" is content; the words around it are not.
    const titles = [...document.querySelectorAll('[data-testid="conversation-item"] .open')].map((el) => el.textContent?.trim() ?? '').filter(Boolean);
    return texts.map((text) => titles.reduce((t, title) => t.split(title).join(' '), text));
  });
}

/** Technical words and names both languages write the same way, and repository ids. */
const NEUTRAL = [
  /[\w.-]+\/[\w.-]+/g, // repo ids, org/name
  /https?:\/\/\S+|chrome:\/\/\S+|\S+\.(json|com)\b|\/[\w.-]+\//g, // URLs, file names, paths
  /\b(GPTQ-Int4|GPTQ|AWQ|bf16|onnx-community|URIAL|Lin|RLHF|DPO|Llama-2-7b|Qwen2\.5|Qwen Local|Qwen|WebGPU|WASM|CPU|GPU|ONNX|GQA|JSON|Schema|ajv|q4f16|q4|fp32|shader-f16|Top-[pk]|KV|YaRN|PDF|OCR|txt|md|pdf|docx|Hugging Face|ModelScope|OpenAI|vLLM|SGLang|llama\.cpp|Ollama|API|URL|CORS|Chrome|Edge|Enter|Shift|Esc|localhost|https|MiB|MB|GB|KB|ms|min|tok|s|h)\b/g,
  /[\d.,:;·/%()+\-–—×≈✓|<>=~?!…'"“”’‘\s]+/g,
];

/** Text in Chinese mode that still has English words in it. */
export function untranslatedInChinese(texts: string[]): string[] {
  const enOnly = Object.entries(en)
    .flatMap(([key, value]) => value.split(/\{\w+\}/).map((part) => ({ key, part: part.trim() })))
    .filter(({ key, part }) => /[a-z]{3,}/i.test(part) && !zh[key as keyof typeof zh].includes(part));
  return texts.filter((text) => {
    const [ids, urls] = NEUTRAL;
    const words = text.replace(ids!, ' ').replace(urls!, ' ');
    if (enOnly.some(({ part }) => new RegExp(`(^|\\W)${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|\\W)`).test(words))) return true;
    const rest = NEUTRAL.reduce((s, pattern) => s.replace(pattern, ' '), words);
    return /[A-Za-z]{2,}/.test(rest);
  });
}

/** Text in English mode with Chinese characters in it. */
export function chineseInEnglish(texts: string[]): string[] {
  return texts.filter((text) => /[\u3400-\u9fff\uff00-\uffef]/.test(text));
}

export async function expectTranslated(page: Page, language: 'en' | 'zh-CN', where: string): Promise<void> {
  const texts = await uiTexts(page);
  expect(texts.length, `${where}: no text found`).toBeGreaterThan(5);
  const wrong = language === 'zh-CN' ? untranslatedInChinese(texts) : chineseInEnglish(texts);
  expect(wrong, `${where} (${language})`).toEqual([]);
}
