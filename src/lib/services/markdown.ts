// Model output to HTML. The output is untrusted: marked renders it, DOMPurify strips scripts,
// event handlers and javascript: URLs, and only then does it reach the page. Code highlighting
// and math are added afterwards by `enhance`, which loads highlight.js and KaTeX on first use
// (they are most of the weight and most answers need neither).
import DOMPurify from 'dompurify';
import { Marked, type TokenizerAndRendererExtension, type Tokens } from 'marked';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** $$…$$ (block) and $…$ (inline) become placeholders holding the TeX as text. */
const math: TokenizerAndRendererExtension[] = [
  {
    name: 'mathBlock',
    level: 'block',
    start: (src) => src.indexOf('$$'),
    tokenizer(src) {
      const match = /^\$\$([\s\S]+?)\$\$/.exec(src);
      return match ? { type: 'mathBlock', raw: match[0], text: match[1]!.trim() } : undefined;
    },
    renderer: (token) => `<div class="math math-display">${escapeHtml(String(token['text']))}</div>`,
  },
  {
    name: 'mathInline',
    level: 'inline',
    start: (src) => src.indexOf('$'),
    tokenizer(src) {
      // No space inside the delimiters, so prices like "$5 and $6" stay text.
      const match = /^\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)/.exec(src);
      return match ? { type: 'mathInline', raw: match[0], text: match[1]! } : undefined;
    },
    renderer: (token) => `<span class="math">${escapeHtml(String(token['text']))}</span>`,
  },
];

const marked = new Marked({
  gfm: true,
  breaks: true,
  extensions: math,
  renderer: {
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').match(/^[\w+#-]+/)?.[0] ?? '';
      const label = language ? `<span class="code-lang">${escapeHtml(language)}</span>` : '';
      return `<div class="code-block"><div class="code-bar">${label}</div><pre><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(text)}</code></pre></div>`;
    },
  },
});

// Links leave the app in a new tab and never get the opener.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false });
  return DOMPurify.sanitize(html, {
    // No forms, media or frames from a model, and no images: a remote image would tell its
    // host that (and, through its URL, what) this chat is about.
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'img', 'picture', 'video', 'audio', 'svg', 'math'],
    // Inline styles could lay a model's text over the app's own controls.
    FORBID_ATTR: ['style'],
    ALLOW_DATA_ATTR: false,
    ADD_ATTR: ['target'],
  });
}

let highlighter: Promise<typeof import('./highlight.ts')> | undefined;
let katex: Promise<typeof import('katex')> | undefined;

/** Highlights code, typesets math and adds the copy buttons inside rendered Markdown. */
export async function enhance(root: HTMLElement, copyLabel: string): Promise<void> {
  // Runs again on a language switch: relabel the buttons already there.
  for (const button of root.querySelectorAll<HTMLElement>('.copy-code')) button.textContent = copyLabel;
  for (const bar of root.querySelectorAll<HTMLElement>('.code-bar:not([data-ready])')) {
    bar.dataset['ready'] = '';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-code';
    button.textContent = copyLabel;
    bar.append(button);
  }
  const blocks = [...root.querySelectorAll<HTMLElement>('pre code:not([data-highlighted])')];
  if (blocks.length > 0) {
    const { highlight } = await (highlighter ??= import('./highlight.ts'));
    for (const block of blocks) highlight(block);
  }
  const formulas = [...root.querySelectorAll<HTMLElement>('.math:not([data-typeset])')];
  if (formulas.length > 0) {
    const [{ default: tex }] = await Promise.all([(katex ??= import('katex')), import('katex/dist/katex.min.css')]);
    for (const el of formulas) {
      el.dataset['typeset'] = '';
      // KaTeX builds its own markup from the TeX (trust off: no \href, no \htmlClass).
      tex.render(el.textContent ?? '', el, { displayMode: el.classList.contains('math-display'), throwOnError: false, trust: false });
    }
  }
}
