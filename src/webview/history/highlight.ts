// Code blocks: highlight.js (core and a few languages) turned into DOM nodes. highlight.js returns HTML in which
// every piece of the code is escaped and the only tags are <span class="hljs-…">, so that structure is rebuilt
// with elements and text nodes here; nothing is ever parsed as HTML.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { IpcCommand } from '../../protocol';
import { button, h } from '../shared/dom';
import { command } from '../shared/ipc';

const LANGUAGES = { bash, css, diff, go, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

/** Larger code is shown plain: highlighting it would stall the page. */
const HIGHLIGHT_MAX = 50_000;
const ENTITY: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
};
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (e) => ENTITY[e]!);

function highlighted(code: string, language: string): DocumentFragment | undefined {
  if (code.length > HIGHLIGHT_MAX || !hljs.getLanguage(language)) return undefined;
  const html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
  const root = document.createDocumentFragment();
  const stack: Node[] = [root];
  for (const m of html.matchAll(/<span class="([^"]*)">|<\/span>|([^<]+)/g)) {
    const top = stack[stack.length - 1]!;
    if (m[2] !== undefined) top.appendChild(document.createTextNode(decode(m[2])));
    else if (m[1] !== undefined) {
      const span = document.createElement('span');
      span.className = m[1].replace(/[^\w -]/g, '');
      top.appendChild(span);
      stack.push(span);
    } else if (stack.length > 1) stack.pop();
  }
  return root;
}

/** A code block with its language label and a copy button. */
export function codeBlock(code: string, lang?: string): HTMLElement {
  const language = (lang ?? '').trim().split(/\s/)[0]!.toLowerCase();
  const known = hljs.getLanguage(language) ? language : '';
  const codeEl = h('code', { class: known ? `hljs language-${known}` : 'hljs' });
  codeEl.appendChild(highlighted(code, known) ?? document.createTextNode(code));
  const copy = button('copy', 'Copy code', () => command(IpcCommand.CopyText, { text: code }), {
    class: 'icon-button copy-code',
  });
  return h(
    'div',
    { class: 'code-block' },
    h('div', { class: 'code-toolbar' }, h('span', { class: 'code-lang' }, known || language || 'text'), copy),
    h('pre', null, codeEl),
  );
}
