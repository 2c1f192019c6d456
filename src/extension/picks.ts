// Quick picks that survive VS Code handing the keyboard back to a webview: when the command palette closes, the
// workbench restores the focus to the editor that had it, and a webview takes it a moment later — after the command's
// own quick pick has opened, which then loses the focus and closes (microsoft/vscode#93950). A pick that closes
// unanswered within a second of opening is shown again, once. (The API does not say why a pick closed: an Escape pressed
// within that second shows it again too — a second Escape closes it. A second, not less: the first pick of a session
// can take most of one to open.)
import * as vscode from 'vscode';
import { SUGGESTED_MODELS } from '../settings';

const EARLY_CLOSE_MS = 1000;

/**
 * Shows `quickPick` and resolves with what `accept` makes of it when the user accepts, or undefined when it is closed.
 * `wire` may end it with another value (e.g. when a row acts at once, like a "Browse…" row).
 */
export function runQuickPick<T extends vscode.QuickPickItem, R>(
  quickPick: vscode.QuickPick<T>,
  accept: (quickPick: vscode.QuickPick<T>) => R,
  wire?: (finish: (value: R) => void) => void,
): Promise<R | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let shownAt = Date.now();
    let reshown = false;
    const finish = (value: R) => {
      if (settled) return;
      settled = true;
      resolve(value);
      quickPick.hide();
    };
    quickPick.onDidAccept(() => finish(accept(quickPick)));
    wire?.(finish);
    quickPick.onDidHide(() => {
      if (!settled && !reshown && Date.now() - shownAt < EARLY_CLOSE_MS) {
        reshown = true;
        shownAt = Date.now();
        // Shown again, the list has no active row: Enter would accept nothing. Keep the one it had (else the first).
        const active = quickPick.activeItems.length ? quickPick.activeItems : quickPick.items.slice(0, 1);
        quickPick.show();
        quickPick.activeItems = active;
        return;
      }
      settled = true;
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

export interface PickOptions {
  title?: string;
  placeHolder?: string;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

/** `vscode.window.showQuickPick` for one item, kept open through the webview focus hand-back. */
export function quickPick(items: readonly string[], options: PickOptions): Promise<string | undefined>;
export function quickPick<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: PickOptions,
): Promise<T | undefined>;
export function quickPick(
  items: ReadonlyArray<string | vscode.QuickPickItem>,
  options: PickOptions,
): Promise<string | vscode.QuickPickItem | undefined> {
  const picker = vscode.window.createQuickPick<vscode.QuickPickItem & { value: string | vscode.QuickPickItem }>();
  picker.items = items.map((item) =>
    typeof item === 'string' ? { label: item, value: item } : { ...item, value: item },
  );
  if (options.title !== undefined) picker.title = options.title;
  if (options.placeHolder !== undefined) picker.placeholder = options.placeHolder;
  picker.matchOnDescription = options.matchOnDescription ?? false;
  picker.matchOnDetail = options.matchOnDetail ?? false;
  return runQuickPick(picker, (q) => q.selectedItems[0]?.value);
}

/** A quick pick of the provider's suggested models (`preferred` first) that also accepts any typed name. */
export function pickModel(provider: string, preferred: string, title: string): Promise<string | undefined> {
  const known: Partial<Record<string, string[]>> = SUGGESTED_MODELS;
  const suggested = [...new Set([preferred, ...(known[provider] ?? [])].filter(Boolean))];
  const pick = vscode.window.createQuickPick();
  pick.title = title;
  pick.placeholder = 'Pick a model or type its name';
  const base = suggested.map((label) => ({ label }));
  pick.items = base;
  pick.onDidChangeValue((v) => {
    pick.items = v && !suggested.includes(v) ? [{ label: v, description: 'use this name' }, ...base] : base;
  });
  return runQuickPick(pick, (p) => p.selectedItems[0]?.label ?? (p.value || undefined));
}
