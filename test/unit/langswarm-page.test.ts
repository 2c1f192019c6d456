// The custom editor's page of a LangSwarm store: what the file holds, as text, under the webviews' strict CSP, with no
// script at all; the Import button is a command link for that one file; a file that cannot be read gets its sentence.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { inspectSource } from '../../src/core/langswarm/inspect';
import { importLink, langswarmPageHtml, localTime } from '../../src/extension/webview/langswarmPage';
import { FIXTURES } from '../helpers/langswarm';

const CSP_SOURCE = 'https://csp.example';

describe('the custom editor page of a LangSwarm store', () => {
  it('shows the kind, sessions, messages and dates of the file, and an Import link for exactly it', async () => {
    const file = path.join(FIXTURES, 'v1/langswarm_sessions.db');
    const summary = await inspectSource(file, { naiveUtc: true });
    const html = langswarmPageHtml({
      cspSource: CSP_SOURCE,
      file,
      shownPath: 'v1/langswarm_sessions.db',
      trusted: true,
      summary,
    });
    assert.match(html, /<dt>Kind<\/dt><dd>LangSwarm V1 session store \(SQLite\)<\/dd>/);
    assert.match(html, /<dt>Sessions<\/dt><dd>6<\/dd>/);
    assert.match(html, /<dt>Messages<\/dt><dd>2,017<\/dd>/);
    assert.ok(html.includes(`<dd>${localTime(summary.from!)} – ${localTime(summary.to!)}</dd>`));
    assert.ok(html.includes(`href="${importLink(file).replace(/&/g, '&amp;')}"`));
    const args = JSON.parse(decodeURIComponent(importLink(file).split('?')[1]!)) as unknown;
    assert.deepEqual(args, [{ sources: [file], confirm: true }]);
    assert.doesNotMatch(html, /needs trust/);
    assert.match(
      langswarmPageHtml({ cspSource: CSP_SOURCE, file, shownPath: 'x.db', trusted: false, summary }),
      /importing needs trust/,
    );
  });

  it('keeps the strict CSP and runs no script; what comes from the file is text', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>"\'';
    const html = langswarmPageHtml({
      cspSource: CSP_SOURCE,
      file: `/tmp/${hostile}/langswarm_sessions.db`,
      shownPath: `${hostile}/langswarm_sessions.db`,
      trusted: true,
      nonce: 'n0nce',
      summary: {
        file: 'x',
        format: 'langswarm-v2-memory',
        sessions: 1,
        messages: 0,
        unreadable: 2,
        warnings: [hostile],
      },
    });
    assert.match(
      html,
      /content="default-src &#39;none&#39;; script-src &#39;nonce-n0nce&#39;; style-src https:\/\/csp\.example &#39;nonce-n0nce&#39;/,
    );
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/);
    assert.ok(html.includes('&lt;script&gt;alert(2)&lt;/script&gt;'));
    assert.match(html, /<dt>Unreadable<\/dt><dd>2 row\(s\)/);
    assert.match(html, /<dt>Dates<\/dt><dd>none \(no sessions\)<\/dd>/);
  });

  it('says why a file cannot be read, and offers no Import', () => {
    const html = langswarmPageHtml({
      cspSource: CSP_SOURCE,
      file: '/w/langswarm_memory.db',
      shownPath: 'langswarm_memory.db',
      trusted: true,
      error:
        '/w/langswarm_memory.db is a damaged SQLite database (database disk image is malformed); nothing was imported from it.',
    });
    assert.match(
      html,
      /role="alert">This file cannot be read as a LangSwarm store\. \/w\/langswarm_memory\.db is a damaged SQLite database/,
    );
    assert.doesNotMatch(html, /command:/);
  });
});
