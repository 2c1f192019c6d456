// Helpers for tests running inside the real VS Code extension host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension/extension';
import type { Main } from '../../src/extension/main';
import type { Node } from '../../src/extension/tree/nodes';

export const EXTENSION_ID = 'langswarm.langswarm-sessions';

export async function extension(): Promise<{ api: ExtensionApi; main: Main; extensionPath: string }> {
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  const api = await ext.activate();
  return { api, main: await api.main(), extensionPath: ext.extensionPath };
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;

/** Points the extension at a fresh database file (through the real setting) and waits until it is open. */
export async function freshDatabase(
  main: Main,
  name = `db-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.sqlite`,
): Promise<string> {
  const relative = path.join('.vscode', 'test-dbs', name);
  await vscode.workspace
    .getConfiguration('langswarmSessions')
    .update('databasePath', relative, vscode.ConfigurationTarget.Workspace);
  const file = path.join(workspace(), relative);
  await waitFor(
    'the database to reopen',
    async () => main.database.path === file && (await main.database.manager()) && main.database.openManager,
  );
  return file;
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('langswarmSessions').update(key, value, vscode.ConfigurationTarget.Workspace);
}

export async function children(main: Main, node?: Node): Promise<Node[]> {
  return main.tree.getChildren(node);
}

export function label(main: Main, node: Node): string {
  const item = main.tree.getTreeItem(node);
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export async function rootLabels(main: Main): Promise<string[]> {
  return (await children(main)).map((n) => `${label(main, n)}${n.kind === 'group' ? ` (${n.count})` : ''}`);
}

export async function group(main: Main, name: string): Promise<Node> {
  const found = (await children(main)).find((n) => label(main, n) === name);
  if (!found) throw new Error(`no group "${name}" in ${JSON.stringify(await rootLabels(main))}`);
  return found;
}

export function artifactsDir(): string {
  const dir = process.env['LSS_ARTIFACTS'] ?? path.join(os.tmpdir(), 'lss-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export const run = <T = unknown>(command: string, ...args: unknown[]) =>
  vscode.commands.executeCommand<T>(command, ...args);
