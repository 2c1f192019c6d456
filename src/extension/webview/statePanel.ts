// The state dump panel: one panel, re-used, showing a dump document through StateHost.
import * as vscode from 'vscode';
import type { DumpSource } from '../../core/dump';
import type { RedactionPattern } from '../../core/redact';
import { displayTitle } from '../../core/text';
import type { SessionClient } from '../../core/worker/client';
import type { KeptDump } from '../../core/worker/dumps';
import type { WorkerDumpOptions } from '../../core/worker/protocol';
import { stateFileName } from '../format';
import { defaultSaveUri } from '../ui';
import { bindPanel, createPanel, poster } from './panel';
import { StateHost } from './stateHost';

/** Settings the extension contributes: `langswarmSessions.dump.redact` (default true, "for local use only" when off)
 * and `langswarmSessions.dump.redactionPatterns` (regular expressions, or {name, pattern, flags}). */
export function dumpSettings(): { redact: boolean; patterns: RedactionPattern[] } {
  const config = vscode.workspace.getConfiguration('langswarmSessions.dump');
  return {
    redact: config.get<boolean>('redact', true),
    patterns: config.get<RedactionPattern[]>('redactionPatterns', []),
  };
}

export class StatePanel {
  private static current: StatePanel | undefined;
  /** Whose dump it shows (undefined: all sessions), for the name "Save…" suggests. */
  private sessionTitle: string | undefined;
  /** Dropped (let go in the store's worker) once another replaces it or the panel closes. */
  private dump: KeptDump | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly host: StateHost,
    binding: vscode.Disposable,
  ) {
    panel.onDidDispose(() => {
      void this.dump?.drop();
      binding.dispose();
      if (StatePanel.current === this) StatePanel.current = undefined;
    });
  }

  /** "Dump Session State": builds the dump with the user's redaction settings and shows it. */
  static async showSession(
    context: vscode.ExtensionContext,
    manager: SessionClient,
    sessionId: string,
  ): Promise<StatePanel> {
    return StatePanel.show(
      context,
      await manager.dump({ sessionId }, dumpOptions(context)),
      displayTitle(await manager.get(sessionId)),
    );
  }

  /** "Dump All Sessions". */
  static async showAll(context: vscode.ExtensionContext, manager: SessionClient): Promise<StatePanel> {
    return StatePanel.show(context, await manager.dump({ all: true }, dumpOptions(context)), undefined);
  }

  /** Shows a dump of the session titled `sessionTitle`, or of all sessions (undefined). */
  static show(context: vscode.ExtensionContext, dump: KeptDump, sessionTitle: string | undefined): StatePanel {
    const title = `State: ${sessionTitle ?? 'all sessions'}`;
    let current = StatePanel.current;
    if (current) current.panel.reveal(undefined, false);
    else {
      const panel = createPanel(context, 'state', title);
      const host = new StateHost(poster(panel), { save: (doc) => void saveDump(doc, current!.sessionTitle) });
      current = StatePanel.current = new StatePanel(panel, host, bindPanel(context, panel, 'state', host));
    }
    if (current.dump !== dump) void current.dump?.drop();
    current.dump = dump;
    current.sessionTitle = sessionTitle;
    current.panel.title = title;
    current.host.show(dump, title);
    return current;
  }
}

/** The dump's options in the editor: the user's settings (the store's worker makes and redacts it). */
export function dumpOptions(context: vscode.ExtensionContext): WorkerDumpOptions {
  const { redact, patterns } = dumpSettings();
  return {
    redact,
    patterns,
    extensionVersion: String(context.extension.packageJSON['version'] ?? 'unknown'),
    vscodeVersion: vscode.version,
  };
}

async function saveDump(dump: DumpSource, sessionTitle: string | undefined): Promise<void> {
  const target = await vscode.window.showSaveDialog({
    title: 'Save LangSwarm Sessions state',
    defaultUri: defaultSaveUri(stateFileName(sessionTitle)),
    filters: { JSON: ['json'] },
  });
  if (target) await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(await dump.text()));
}
