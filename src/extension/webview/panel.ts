// Thin VS Code glue shared by the two webview panels: creation with the strict options, the page, and
// wiring a pure host (historyHost.ts / stateHost.ts) to the panel's messages and visibility.
import * as vscode from 'vscode';
import type { HostToWebview, ViewName } from '../../protocol';
import { VIEW_TYPES } from '../keys';
import { webviewHtml } from './html';

export interface PanelHost {
  receive(message: unknown): Promise<void>;
  detach(): void;
  dispose?(): void;
}

function webviewRoot(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
}

/** Webview options: scripts on, and nothing loadable but dist/webview (which holds the codicon font too). */
export function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [webviewRoot(context)],
    retainContextWhenHidden: false,
    enableFindWidget: false,
  };
}

export function createPanel(
  context: vscode.ExtensionContext,
  view: ViewName,
  title: string,
  preserveFocus = false,
): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(
    VIEW_TYPES[view],
    title,
    { viewColumn: vscode.ViewColumn.Active, preserveFocus },
    webviewOptions(context),
  );
}

/** Loads the page into `panel` and connects `host`; returns what to dispose with the panel. */
export function bindPanel(
  context: vscode.ExtensionContext,
  panel: vscode.WebviewPanel,
  view: ViewName,
  host: PanelHost,
): vscode.Disposable {
  const { webview } = panel;
  webview.options = webviewOptions(context);
  webview.html = webviewHtml({
    view,
    title: panel.title,
    cspSource: webview.cspSource,
    base: webview.asWebviewUri(webviewRoot(context)).toString(),
  });
  return vscode.Disposable.from(
    webview.onDidReceiveMessage((m: unknown) => void host.receive(m)),
    // A hidden webview is destroyed (retainContextWhenHidden is off); it says ready again when shown.
    panel.onDidChangeViewState(({ webviewPanel }) => {
      if (!webviewPanel.visible) host.detach();
    }),
    { dispose: () => host.dispose?.() },
  );
}

export function poster(panel: vscode.WebviewPanel): (message: HostToWebview) => unknown {
  return (message) => panel.webview.postMessage(message);
}
