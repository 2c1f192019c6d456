// The inspector's four tabs for one recorded model call: Request and Response (bodies as lazy JSON trees, read in
// the webview from the text the host sent), Timing (times, attempts, usage, cost) and Raw (the bodies as text).
// Everything from the trace goes into text nodes (dom.ts h()), never into HTML.
import type { Cost, TraceAttempt, TurnTrace } from '../../protocol';
import { Child, formatBytes, formatNumber, formatTime, h, icon } from '../shared/dom';
import { childrenOf, resolvePath } from '../../core/json-nodes';
import { JsonTree, TreeSource } from '../shared/jsonTree';

/** A body shown as a tree: the tree, the parsed document (for search and Copy JSON) and its text as sent. */
export interface BodyView {
  tree: JsonTree;
  doc: unknown;
  text: string;
  /** Its first level is shown. */
  loaded: Promise<void>;
}

/** What a pane shows and holds: its element, and the bodies in it that find and Copy JSON work on. */
export interface Pane {
  element: HTMLElement;
  bodies: BodyView[];
}

/** Raw text longer than this shows cut, with a button for the rest (one huge text node is slow to lay out). */
const RAW_LIMIT = 200_000;

/** A document held in the webview, served to the tree a level and a page at a time. */
export function localSource(doc: unknown): TreeSource {
  return {
    children: async (path, offset, limit) => childrenOf(resolvePath(doc, path), offset, limit),
    value: async (path) => String(resolvePath(doc, path)),
  };
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const between = (from: string | undefined, to: string | undefined) =>
  from && to ? Date.parse(to) - Date.parse(from) : Number.NaN;

/** An attempt in a few words: "#2 · HTTP 500 · responses". */
export function attemptLabel(a: TraceAttempt, index: number): string {
  let path = a.url;
  try {
    path = new URL(a.url).pathname;
  } catch {
    // not a URL: shown as recorded
  }
  // The endpoint's last segment tells the requests of one call apart (OpenAI: conversations, then responses).
  const endpoint = path.split('/').filter(Boolean).at(-1) ?? path;
  const status = a.status !== undefined ? `HTTP ${a.status}` : a.error ? 'failed' : 'no response';
  return `#${index + 1} · ${status} · ${endpoint}`;
}

function section(title: Child, ...content: Child[]): HTMLElement {
  return h('section', { class: 'pane-section' }, h('h3', { class: 'pane-heading' }, title), ...content);
}

/** Text shown as text (pre-wrapped), cut at RAW_LIMIT with a button for the rest. */
export function rawText(text: string, label: string): HTMLElement {
  const pre = h('pre', { class: 'raw-text', tabindex: 0, 'aria-label': label });
  if (text.length <= RAW_LIMIT) {
    pre.append(text);
    return pre;
  }
  const more = h(
    'button',
    { type: 'button', class: 'link-button show-all' },
    `Show all ${formatNumber(text.length)} characters`,
  );
  more.addEventListener('click', () => pre.replaceChildren(text));
  pre.append(
    text.slice(0, RAW_LIMIT),
    h('span', { class: 'muted' }, `\n… ${formatNumber(text.length - RAW_LIMIT)} more characters. `),
    more,
  );
  return pre;
}

/** A body as a JSON tree when it is JSON (an object or array), else as text with a note why. */
function bodyBlock(text: string, label: string, bodies: BodyView[], scroller: () => HTMLElement): HTMLElement {
  let doc: unknown;
  let json = false;
  try {
    doc = JSON.parse(text);
    json = doc !== null && typeof doc === 'object';
  } catch {
    // not JSON: shown as text below
  }
  if (!json)
    return h(
      'div',
      { class: 'body-block' },
      text ? h('p', { class: 'muted' }, 'Not a JSON document: shown as text.') : h('p', { class: 'muted' }, 'Empty.'),
      text ? rawText(text, label) : null,
    );
  const tree = new JsonTree(localSource(doc), { label, scroller });
  bodies.push({ tree, doc, text, loaded: tree.load() });
  return h('div', { class: 'body-block' }, tree.element);
}

function headerTable(headers: Record<string, string>, caption: string): HTMLElement {
  const rows = Object.entries(headers);
  if (!rows.length) return h('p', { class: 'muted' }, 'None recorded.');
  return h(
    'table',
    { class: 'kv-table headers' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v)))),
  );
}

const KEY_HEADER: Record<string, string> = {
  openai: 'Authorization: Bearer $OPENAI_API_KEY',
  anthropic: 'x-api-key: $ANTHROPIC_API_KEY',
  gemini: 'x-goog-api-key: $GEMINI_API_KEY',
};

export function requestPane(trace: TurnTrace, index: number, scroller: () => HTMLElement): Pane {
  const a = trace.attempts[index];
  const bodies: BodyView[] = [];
  if (!a)
    return {
      element: h('p', { class: 'muted pane-empty' }, noAttemptsNote(trace)),
      bodies,
    };
  const keyHeader = KEY_HEADER[trace.provider];
  const element = h(
    'div',
    { class: 'pane-content' },
    h(
      'div',
      { class: 'request-line' },
      h('span', { class: 'badge method' }, a.method),
      h('span', { class: 'url' }, a.url),
    ),
    section(
      'Headers',
      headerTable(a.requestHeaders, 'Request headers'),
      h(
        'p',
        { class: 'muted note' },
        icon('shield'),
        ' The API key and auth headers are never recorded.',
        keyHeader ? ` Copy as cURL sends ${keyHeader} from your environment.` : '',
      ),
    ),
    section(
      `Body · ${formatBytes(new TextEncoder().encode(a.requestBody).length)}`,
      bodyBlock(a.requestBody, 'Request body', bodies, scroller),
    ),
  );
  return { element, bodies };
}

function noAttemptsNote(trace: TurnTrace): string {
  return trace.api === 'replay'
    ? 'The offline Replay provider answered: no HTTP request was made.'
    : 'No HTTP request was recorded for this call.';
}

export function responsePane(trace: TurnTrace, index: number, scroller: () => HTMLElement): Pane {
  const bodies: BodyView[] = [];
  const a = trace.attempts[index];
  const last = index === trace.attempts.length - 1 || !a;
  const failed = a?.status !== undefined && a.status >= 400;
  const ids = Object.entries(a?.requestIds ?? {});
  const parts: Child[] = [];
  if (a)
    parts.push(
      h(
        'div',
        { class: 'request-line' },
        h(
          'span',
          { class: `badge status${failed || a.error ? ' state-error' : ''}` },
          a.status !== undefined ? `HTTP ${a.status}` : 'no response',
        ),
        ...ids.map(([k, v]) => h('span', { class: 'request-id', title: `Provider request id (${k})` }, `${k}: ${v}`)),
      ),
    );
  // A retried attempt's failure; the last attempt's is the call's, said once below.
  if (a?.error && !(last && trace.error)) parts.push(callout('warning', `This attempt failed: ${a.error}`));
  if (last && trace.error)
    parts.push(callout('error', `The call ended with ${trace.error.code}: ${trace.error.message}`));
  if (a?.responseBody !== undefined) {
    parts.push(
      section(
        failed ? "Body · the provider's error" : 'Body',
        bodyBlock(a.responseBody, failed ? 'Error body' : 'Response body', bodies, scroller),
      ),
    );
  } else if (last && trace.response !== undefined) {
    parts.push(
      section(
        trace.streamed ? 'Response · assembled from the stream' : 'Response',
        bodyBlock(JSON.stringify(trace.response), 'Response', bodies, scroller),
      ),
    );
  } else {
    parts.push(
      h(
        'p',
        { class: 'muted pane-empty' },
        a && trace.streamed && !last
          ? 'A streamed attempt keeps no body of its own: the final response is on the last attempt.'
          : trace.outcome === 'cancelled'
            ? 'The call was cancelled before a response was complete.'
            : a
              ? 'No response body was recorded for this attempt.'
              : noAttemptsNote(trace),
      ),
    );
  }
  if (a?.responseHeaders)
    parts.push(
      h(
        'details',
        { class: 'pane-section' },
        h('summary', { class: 'pane-heading' }, 'Response headers'),
        headerTable(a.responseHeaders, 'Response headers'),
      ),
    );
  return { element: h('div', { class: 'pane-content' }, ...parts), bodies };
}

function callout(kind: 'error' | 'warning', text: string): HTMLElement {
  return h('div', { class: `callout callout-${kind}`, role: 'note' }, icon(kind), ' ', text);
}

export function outcomeBadge(trace: Pick<TurnTrace, 'outcome'>): HTMLElement {
  const look = { ok: ['pass', ''], error: ['error', ' state-error'], cancelled: ['circle-slash', ' state-partial'] }[
    trace.outcome
  ];
  return h('span', { class: `badge outcome outcome-${trace.outcome}${look[1]}` }, icon(look[0]!), ` ${trace.outcome}`);
}

function describeCost(cost: Cost): HTMLElement {
  if (!cost.known)
    return h('span', { class: 'cost unknown' }, 'price unknown', h('span', { class: 'muted' }, ` — ${cost.reason}`));
  const p = cost.parts;
  const detail = [
    ['input', p.input],
    ['cached input', p.cachedInput],
    ['cache write', p.cacheWrite],
    ['output', p.output],
    ['reasoning', p.reasoning],
    ['other', p.other ?? 0],
  ]
    .filter(([, v]) => (v as number) > 0)
    .map(([k, v]) => `${k} ${usd(v as number)}`)
    .join(' · ');
  return h(
    'span',
    { class: 'cost' },
    h('strong', null, usd(cost.total)),
    detail ? h('span', { class: 'muted' }, ` (${detail})`) : null,
    h('span', { class: 'muted' }, ` · prices: ${cost.table}`),
  );
}

/** US dollars with enough digits that a cheap call does not read as $0.00 (as src/core/cost.ts formats them). */
export function usd(amount: number): string {
  if (amount === 0) return '$0.00';
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.0001) return `$${amount.toFixed(4)}`;
  return `$${amount.toPrecision(2)}`;
}

export function timingPane(trace: TurnTrace, cost: Cost): Pane {
  const row = (label: string, ...value: Child[]) =>
    h('tr', null, h('th', { scope: 'row' }, label), h('td', null, ...value));
  const ttft = between(trace.startedAt, trace.firstTokenAt);
  const differs = trace.modelAnswered && trace.modelAnswered !== trace.modelRequested;
  const u = trace.usage;
  const call = h(
    'table',
    { class: 'kv-table timing' },
    h(
      'tbody',
      null,
      row(
        'Outcome',
        outcomeBadge(trace),
        trace.error ? h('span', { class: 'muted' }, ` ${trace.error.code}: ${trace.error.message}`) : null,
      ),
      row('Call', `${trace.operation} · ${trace.provider} · ${trace.api}${trace.streamed ? ' · streamed' : ''}`),
      row('Model requested', trace.modelRequested),
      row(
        'Model answered',
        trace.modelAnswered ?? h('span', { class: 'muted' }, 'not reported'),
        differs ? h('span', { class: 'muted' }, ' (differs from the model requested)') : null,
      ),
      row('Started', formatTime(trace.startedAt)),
      row(
        'Time to first token',
        trace.firstTokenAt
          ? formatMs(ttft)
          : h('span', { class: 'muted' }, trace.streamed ? 'no token arrived' : 'not streamed'),
      ),
      row('Ended', formatTime(trace.endedAt)),
      row('Duration', h('strong', null, formatMs(between(trace.startedAt, trace.endedAt)))),
      row(
        'Tokens',
        u
          ? `${formatNumber(u.inputTokens)} in${u.cachedInputTokens ? ` (${formatNumber(u.cachedInputTokens)} cached)` : ''}${u.cacheWriteTokens ? ` (${formatNumber(u.cacheWriteTokens)} written to cache)` : ''} · ${formatNumber(u.outputTokens)} out${u.reasoningTokens ? ` (${formatNumber(u.reasoningTokens)} reasoning)` : ''} · ${formatNumber(u.totalTokens)} total`
          : h('span', { class: 'muted' }, 'no usage recorded'),
      ),
      row('Cost', describeCost(cost)),
      row('Trace id', h('code', null, trace.traceId)),
      row('Span id', h('code', null, trace.spanId)),
    ),
  );
  const attempts = trace.attempts.length
    ? h(
        'table',
        { class: 'grid-table attempts' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['Attempt', 'Started', 'Duration', 'Status', 'Request ids', 'Error'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          ...trace.attempts.map((a, i) =>
            h(
              'tr',
              { class: a.error ? 'failed' : undefined },
              h('td', null, `#${i + 1} ${a.method}`),
              h('td', null, `+${formatMs(between(trace.startedAt, a.startedAt))}`),
              h('td', null, formatMs(between(a.startedAt, a.endedAt))),
              h('td', null, a.status !== undefined ? String(a.status) : '—'),
              h('td', null, Object.values(a.requestIds).join(', ') || '—'),
              h('td', null, a.error ?? ''),
            ),
          ),
        ),
      )
    : h('p', { class: 'muted' }, noAttemptsNote(trace));
  return {
    element: h(
      'div',
      { class: 'pane-content' },
      section('Call', call),
      section(`HTTP attempts (${trace.attempts.length})`, attempts),
    ),
    bodies: [],
  };
}

/** The bodies as text; `copy` puts one on the clipboard (through the host). */
export function rawPane(trace: TurnTrace, index: number, copy: (text: string, what: string) => void): Pane {
  const a = trace.attempts[index];
  const last = index === trace.attempts.length - 1;
  const response =
    a?.responseBody ?? (last && trace.response !== undefined ? JSON.stringify(trace.response, null, 2) : undefined);
  const block = (title: string, text: string | undefined, note?: string) => {
    const copyButton = h('button', { type: 'button', class: 'link-button copy-raw' }, icon('copy'), ' Copy');
    copyButton.addEventListener('click', () => copy(text ?? '', title.toLowerCase()));
    return section(
      h('span', null, title, ' ', text !== undefined ? copyButton : null),
      note ? h('p', { class: 'muted note' }, note) : null,
      text !== undefined ? rawText(text, title) : h('p', { class: 'muted' }, 'None recorded.'),
    );
  };
  if (!a) return { element: h('p', { class: 'muted pane-empty' }, noAttemptsNote(trace)), bodies: [] };
  return {
    element: h(
      'div',
      { class: 'pane-content' },
      block('Request body', a.requestBody, 'Exactly as sent.'),
      block(
        'Response body',
        response,
        a.responseBody === undefined && response !== undefined
          ? 'The final response as assembled from the stream (the stream itself is not kept).'
          : undefined,
      ),
    ),
    bodies: [],
  };
}
