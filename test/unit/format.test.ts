// The tree's wording and menu flags (pure functions of src/extension/format.ts).
import { strict as assert } from 'node:assert';
import { marked } from 'marked';
import { SessionManager } from '../../src/core/sessions';
import {
  costStatus,
  dayLabel,
  dayRange,
  markdownText,
  messageContextValue,
  messageIcon,
  messagePreview,
  messageTooltipMarkdown,
  relativeTime,
  sessionContextValue,
  sessionDescription,
  sessionTooltipMarkdown,
} from '../../src/extension/format';
import { PRICE_TABLE, totalCost } from '../../src/core/cost';
import { tempDb } from '../helpers/temp';

describe('tree formatting', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');

  it('says how long ago something happened', () => {
    const ago = (ms: number) => relativeTime(new Date(now.getTime() - ms).toISOString(), now);
    assert.equal(ago(10_000), 'just now');
    assert.equal(ago(5 * 60_000), '5 min ago');
    assert.equal(ago(3 * 3_600_000), '3 h ago');
    assert.equal(ago(30 * 3_600_000), 'yesterday');
    assert.equal(ago(5 * 86_400_000), '5 d ago');
    assert.equal(ago(90 * 86_400_000), '2025-12-10');
    assert.equal(relativeTime('not a date', now), '');
  });

  it('names days and turns a local day into UTC bounds', () => {
    const local = new Date(2026, 2, 10, 15);
    assert.equal(dayLabel('2026-03-10', local), 'Today');
    assert.equal(dayLabel('2026-03-09', local), 'Yesterday');
    assert.equal(dayLabel('2026-02-01', local), '2026-02-01');
    const { from, to } = dayRange('2026-03-10');
    assert.equal(Date.parse(to) - Date.parse(from), 86_400_000);
    assert.equal(new Date(from).getDate(), 10);
  });

  it('previews messages in one line, tool calls and results included', () => {
    assert.equal(messagePreview([{ type: 'text', text: '  **Bold**   `code`\nnext line ' }]), 'Bold code next line');
    assert.equal(messagePreview([{ type: 'text', text: 'x'.repeat(200) }], 10), `${'x'.repeat(9)}…`);
    assert.equal(
      messagePreview([{ type: 'tool_call', callId: 'c', name: 'f', argumentsJson: '{"a":1}' }]),
      'f({"a":1})',
    );
    assert.equal(messagePreview([{ type: 'tool_result', callId: 'c', name: 'f', content: 'ok' }]), 'f → ok');
    assert.equal(messagePreview([{ type: 'reasoning', text: 'hmm' }]), '(reasoning only)');
    assert.equal(messagePreview([]), '(empty)');
  });

  it('picks icons that make tool traffic and failures stand out', () => {
    type Shown = Parameters<typeof messageIcon>[0];
    const icon = (role: Shown['role'], parts: Shown['parts'], state: Shown['state'] = 'complete') =>
      messageIcon({ role, parts, state });
    assert.equal(icon('user', []), 'account');
    assert.equal(icon('assistant', [{ type: 'tool_call', callId: 'c', name: 'f', argumentsJson: '{}' }]), 'tools');
    assert.equal(icon('tool', [{ type: 'tool_result', callId: 'c', name: 'f', content: '' }]), 'reply');
    assert.equal(icon('assistant', [], 'partial'), 'warning');
  });

  it('sets capability flags for the menus, and none that change data when read-only', () => {
    assert.equal(
      sessionContextValue({ status: 'active' }, true),
      'session;status-active;renamable;taggable;deletable;pausable;completable;archivable;',
    );
    assert.equal(
      sessionContextValue({ status: 'archived' }, true),
      'session;status-archived;renamable;taggable;deletable;unarchivable;',
    );
    assert.equal(sessionContextValue({ status: 'paused' }, false), 'session;status-paused;');
    assert.equal(
      sessionContextValue({ status: 'paused', parent: { sessionId: 's', messageId: 'm' } }, false),
      'session;status-paused;forked;',
      'a fork or replay offers Compare with Parent, read-only too',
    );
    assert.equal(messageContextValue({ role: 'user' }, 'archived', true), 'message;role-user;copyable;forkable;');
    assert.equal(messageContextValue({ role: 'tool' }, 'active', false), 'message;role-tool;copyable;');
  });

  it('describes a session in one line', () => {
    const s = {
      id: 'x',
      title: 't',
      userId: '',
      provider: 'openai',
      model: 'gpt-4o',
      status: 'active' as const,
      tags: [],
      createdAt: '',
      updatedAt: '',
      lastActivityAt: new Date(now.getTime() - 120_000).toISOString(),
      messageCount: 1,
      totalTokens: 0,
    };
    assert.equal(sessionDescription(s, now), 'openai · gpt-4o · 1 msg · 2 min ago');
  });

  it("shows a session's cost in its tooltip, and says when a price is unknown", async () => {
    const m = await SessionManager.open(tempDb());
    try {
      const s = await m.create({ provider: 'openai', model: 'gpt-5' });
      const usage = {
        inputTokens: 10_000,
        cachedInputTokens: 8_000,
        outputTokens: 500,
        reasoningTokens: 300,
        totalTokens: 10_500,
      };
      await m.addMessages(s.id, [
        { role: 'assistant', content: 'a', usage, provider: { name: 'openai', model: 'gpt-5' } },
      ]);
      /** The tooltip's markdown without its escapes. */
      const tooltip = (id: string) =>
        sessionTooltipMarkdown(m.get(id), totalCost(m.usages(id))).replace(/\\(.)/g, '$1');
      // $1.25 in, $0.125 cached, $10 out (and reasoning) per million.
      assert.ok(tooltip(s.id).includes(`Cost: $0.0085 · ${PRICE_TABLE}  \n`), tooltip(s.id));
      await m.addMessages(s.id, [
        { role: 'assistant', content: 'b', usage, provider: { name: 'openai', model: 'gpt-nope' } },
      ]);
      assert.ok(
        tooltip(s.id).includes('Cost: $0.0085 + price unknown for 1 of 2 messages (partly unknown)'),
        tooltip(s.id),
      );
      const other = await m.create({ provider: 'openai', model: 'gpt-nope' });
      await m.addMessages(other.id, [
        { role: 'assistant', content: 'c', usage, provider: { name: 'openai', model: 'gpt-nope' } },
      ]);
      assert.ok(tooltip(other.id).includes('Cost: price unknown (1 message with usage)  \n'), tooltip(other.id));
      assert.ok(!sessionTooltipMarkdown(m.get(other.id)).includes('Cost'));
    } finally {
      await m.close();
    }
  });

  it("shows the active session's tokens and cost in the status bar: a partly known cost as a lower bound", () => {
    const usage = {
      inputTokens: 10_000,
      cachedInputTokens: 8_000,
      outputTokens: 500,
      reasoningTokens: 300,
      totalTokens: 10_500,
    };
    const reply = (model: string) => ({
      sessionId: 's',
      messageId: model,
      createdAt: '2026-12-01T10:00:00Z',
      provider: { name: 'openai', model },
      usage,
    });
    assert.equal(costStatus(totalCost([])), undefined, 'nothing to show without usage');
    // gpt-5: 2,000 × $1.25 + 8,000 × $0.125 + 500 × $10 per million (cached input is not charged as input).
    const known = costStatus(totalCost([reply('gpt-5')]))!;
    assert.equal(known.text, '$(pulse) 11k tok · $0.0085');
    assert.equal(
      known.tooltip,
      [
        'Active session: $0.0085',
        'Tokens: 10,000 in (8,000 cached) · 500 out (300 reasoning)',
        `Priced 1 of 1 replies with usage (${PRICE_TABLE})`,
        'Click to open its history and chart.',
      ].join('\n'),
    );
    const partly = costStatus(totalCost([reply('gpt-5'), reply('gpt-nope')]))!;
    assert.equal(partly.text, '$(pulse) 21k tok · ≥$0.0085');
    assert.match(partly.tooltip, /\nPrice unknown for 1: model gpt-nope is not in the price table \(openai\)\n/);
    assert.equal(costStatus(totalCost([reply('gpt-nope')]))!.text, '$(pulse) 11k tok · price unknown');
  });

  describe('hover tooltips', () => {
    // Values a cloned repository's database can hold: each must show as the text it is, never as markup.
    const HOSTILE = [
      'gpt-4o\n\n![x](https://evil.example/pixel.png?model)',
      '[click me](https://evil.example/phish) and <https://evil.example/auto>',
      '<img src="https://evil.example/i.png" onerror="alert(1)">',
      '`code` ```fence``` **bold** _em_ ~~strike~~',
      '$(zap) $(sync~spin) &amp; &#60;tag&#62;',
      '# heading\n- item\n> quote\n    indented\n---',
      'www.evil.example and mail@evil.example and https://evil.example/bare',
      '| a | b |\n| --- | --- |\n\u202etxt.exe',
    ];
    /** HTML as VS Code's renderer would make it (it uses marked too), and that HTML's visible text. */
    const render = (md: string) => marked.parse(md, { async: false, gfm: true });
    const visible = (html: string) =>
      html
        .replace(/<[^>]*>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    const shown = (value: string) => value.replace(/[\n\u202e]/g, ' ');
    /** Tags other than the paragraphs, line breaks, bold title and text code block the tooltips are made of. */
    const markupIn = (html: string) =>
      html.match(/<(?!\/?(?:p|br|strong|pre)\b|code class="language-text">|\/code>)[^>]+>/g) ?? [];

    it('shows each hostile value as literal text', () => {
      for (const value of HOSTILE) {
        const html = render(`Model: ${markdownText(value)}`);
        assert.deepEqual(markupIn(html), [], `${JSON.stringify(value)} became ${html}`);
        assert.equal(visible(html).trim(), `Model: ${shown(value)}`);
        assert.ok(!/(^|[^\\])\$\(/.test(markdownText(value)), 'no $( left for theme icons');
      }
      assert.equal(markdownText('x'.repeat(500), 10), `${'x'.repeat(9)}…`);
    });

    it('escapes every field of a session and a message read back from the database', async () => {
      const m = await SessionManager.open(tempDb());
      try {
        const h = (i: number) => HOSTILE[i]!;
        const s = await m.create({
          title: h(1),
          model: h(0),
          provider: h(2),
          userId: h(3),
          tags: [h(4), h(5)],
          origin: { format: h(6), file: h(7), originalId: h(4), fields: {} },
        });
        const [msg] = await m.addMessages(s.id, [
          {
            role: 'assistant',
            createdAtRaw: HOSTILE[0]!,
            stopReason: 'end_turn',
            parts: [{ type: 'text', text: 'a ``` fence and ```` a longer one, then ![x](https://evil.example/i.png)' }],
          },
        ]);
        const session = render(sessionTooltipMarkdown(m.get(s.id)));
        assert.deepEqual(markupIn(session), []);
        const text = visible(session);
        for (const value of HOSTILE) assert.ok(text.includes(shown(value)), `shows ${JSON.stringify(value)}`);
        const message = render(messageTooltipMarkdown(msg!));
        assert.deepEqual(markupIn(message), [], message);
        assert.ok(
          visible(message).includes('a ``` fence and ```` a longer one, then ![x](https://evil.example/i.png)'),
        );
        assert.ok(visible(message).includes(`source: ${shown(HOSTILE[0]!)}`));
      } finally {
        await m.close();
      }
    });
  });
});
