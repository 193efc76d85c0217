// highlight.js with the languages chats mostly show (the full set is ten times larger),
// loaded on demand by markdown.ts.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import go from 'highlight.js/lib/languages/go';

for (const [name, language] of Object.entries({ bash, c, cpp, css, go, java, javascript, json, python, rust, sql, typescript, xml })) {
  hljs.registerLanguage(name, language);
}

export function highlight(block: HTMLElement): void {
  const language = [...block.classList].find((c) => c.startsWith('language-'))?.slice('language-'.length);
  if (language && !hljs.getLanguage(language)) {
    block.dataset['highlighted'] = 'no';
    return;
  }
  hljs.highlightElement(block);
}
