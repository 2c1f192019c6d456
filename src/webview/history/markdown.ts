// Markdown rendered without HTML: marked's tokens become DOM elements and text nodes. Raw HTML in the source
// is shown as text, links open through the host (http/https only), images are never loaded (a placeholder
// with the alt text stands in, linking to the image if it is http(s)).
import { Lexer, Token, Tokens } from 'marked';
import { Child, h, safeLink, visibleText } from '../shared/dom';
import { codeBlock } from './highlight';

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
/** Markdown decodes character references in text; marked's tokens keep them as written. */
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#\d{1,7}|#x[\da-f]{1,6}|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });
}

export function renderMarkdown(source: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const t of new Lexer({ gfm: true }).lex(source)) frag.appendChild(block(t));
  return frag;
}

function block(t: Token): Node {
  switch (t.type) {
    case 'space':
    case 'def':
      return document.createDocumentFragment();
    case 'heading':
      return h(`h${Math.min(Math.max((t as Tokens.Heading).depth, 1), 6)}` as 'h1', null, ...inline(t.tokens));
    case 'paragraph':
      return h('p', null, ...inline(t.tokens));
    case 'text':
      return h('span', null, ...(t.tokens ? inline(t.tokens) : [decodeEntities(t.text)]));
    case 'code':
      return codeBlock((t as Tokens.Code).text, (t as Tokens.Code).lang);
    case 'blockquote':
      return h('blockquote', null, ...(t.tokens ?? []).map(block));
    case 'hr':
      return h('hr');
    case 'list': {
      const list = t as Tokens.List;
      const start = list.ordered && typeof list.start === 'number' && list.start !== 1 ? list.start : undefined;
      return h(
        list.ordered ? 'ol' : 'ul',
        { start },
        ...list.items.map((item) => h('li', { class: item.task ? 'task' : undefined }, ...item.tokens.map(block))),
      );
    }
    case 'checkbox':
      return h(
        'span',
        { class: 'task-box', role: 'img', 'aria-label': (t as Tokens.Checkbox).checked ? 'done' : 'not done' },
        (t as Tokens.Checkbox).checked ? '☑ ' : '☐ ',
      );
    case 'table': {
      const table = t as Tokens.Table;
      const cell = (tag: 'th' | 'td', c: Tokens.TableCell) =>
        h(tag, { class: c.align ? `align-${c.align}` : undefined }, ...inline(c.tokens));
      return h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          null,
          h('thead', null, h('tr', null, ...table.header.map((c) => cell('th', c)))),
          h('tbody', null, ...table.rows.map((row) => h('tr', null, ...row.map((c) => cell('td', c))))),
        ),
      );
    }
    case 'html':
      return h('p', { class: 'raw-html' }, t.text);
    default:
      return h('p', null, 'raw' in t ? String(t.raw) : '');
  }
}

function inline(tokens: Token[] | undefined): Child[] {
  return (tokens ?? []).map((t): Child => {
    switch (t.type) {
      case 'text':
        return t.tokens ? h('span', null, ...inline(t.tokens)) : visibleText(decodeEntities(t.text));
      case 'escape':
        return visibleText(t.text);
      case 'strong':
        return h('strong', null, ...inline(t.tokens));
      case 'em':
        return h('em', null, ...inline(t.tokens));
      case 'del':
        return h('del', null, ...inline(t.tokens));
      case 'codespan':
        return h('code', null, t.text);
      case 'br':
        return h('br');
      case 'link':
        return safeLink((t as Tokens.Link).href, ...inline(t.tokens));
      case 'image': {
        const img = t as Tokens.Image;
        const label = h(
          'span',
          { class: 'image-placeholder', title: 'Images are not loaded' },
          h('span', { class: 'codicon codicon-file-media', 'aria-hidden': 'true' }),
          ` ${img.text || 'image'}`,
        );
        return safeLink(img.href, label);
      }
      case 'html':
        return h('span', { class: 'raw-html' }, t.text);
      default:
        return 'raw' in t ? String(t.raw) : '';
    }
  });
}
