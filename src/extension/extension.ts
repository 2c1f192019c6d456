// Entry point of the VS Code extension: thin glue over the session core.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('LangSwarm Sessions', { log: true });
  context.subscriptions.push(log);
  log.info('LangSwarm Sessions activated');
}

export function deactivate(): void {}
