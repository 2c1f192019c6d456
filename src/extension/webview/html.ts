// The one HTML page both webviews load, free of `vscode` so the Chromium tests load exactly this page.
// Strict CSP: nothing but our own script (by nonce) and our own styles and fonts; no inline script or
// style attribute, no remote anything, no images but the extension's own.
import { randomBytes } from 'node:crypto';
import type { ViewName } from '../../protocol';

export interface WebviewPage {
  view: ViewName;
  title: string;
  /** The webview's `cspSource` (in VS Code: `webview.cspSource`). */
  cspSource: string;
  /** URI of the folder holding the built webview files (dist/webview), as the webview must load it. */
  base: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `base-uri 'none'`,
    `form-action 'none'`,
  ].join('; ');
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The frame every webview page shares: the strict CSP for `nonce`, charset and viewport, then the page's own parts. */
export function pageFrame(frame: {
  cspSource: string;
  nonce: string;
  title: string;
  head: string;
  body: string;
}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(frame.cspSource, frame.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${frame.head}
<title>${escapeHtml(frame.title)}</title>
</head>
${frame.body}
</html>
`;
}

export function webviewHtml(page: WebviewPage): string {
  const nonce = page.nonce ?? makeNonce();
  const base = page.base.replace(/\/$/, '');
  const asset = (file: string) => escapeHtml(`${base}/${file}`);
  return pageFrame({
    cspSource: page.cspSource,
    nonce,
    title: page.title,
    head: `<link rel="stylesheet" nonce="${nonce}" href="${asset('codicon.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${asset(`${page.view}.css`)}">`,
    body: `<body data-view="${page.view}">
<div id="app"></div>
<script nonce="${nonce}" src="${asset(`${page.view}.js`)}"></script>
</body>`,
  });
}
