// The OTLP receiver in the editor: started by "Start OTLP Receiver" or the langswarmSessions.otlp.enabled
// setting (trusted workspaces only: it writes sessions), it runs inside the store's worker thread
// (SessionManager.startOtlpReceiver), so decoding and storing spans never blocks the extension host. The
// Sessions tree follows through the store's change events like any other write. A status bar item shows
// the address while it listens; clicking it stops the receiver.
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { ReceiverStats } from '../core/otlp/receiver';
import { OTLP_LISTENING } from './keys';
import type { WorkspaceStore } from './workspaceStore';

export interface OtlpSettings {
  enabled: boolean;
  port: number;
  token: string | undefined;
}

export function readOtlpSettings(): OtlpSettings {
  const config = vscode.workspace.getConfiguration('langswarmSessions.otlp');
  const port = config.get<number>('port', 4318);
  const token = config.get<string>('token', '');
  return {
    enabled: config.get<boolean>('enabled', false),
    port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 4318,
    token: token ? token : undefined,
  };
}

export class OtlpReceiverControl implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'langswarmSessions.otlp',
    vscode.StatusBarAlignment.Left,
    49,
  );
  private readonly subscriptions: vscode.Disposable[];
  /** The address while the receiver listens (in the current store's worker). */
  url: string | undefined;
  /** Stops following the worker that runs the receiver. */
  private offStop: (() => void) | undefined;

  constructor(
    private readonly store: WorkspaceStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'LangSwarm OTLP receiver';
    this.item.command = 'langswarmSessions.stopOtlpReceiver';
    this.subscriptions = [
      // A reopened store (trust granted, another database path) starts without the receiver: follow the setting.
      store.onDidReopen(() => {
        this.listening(undefined);
        void this.followSetting();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('langswarmSessions.otlp')) return;
        // A new port or token applies on a restart.
        void this.stop(false).then(() => this.followSetting());
      }),
    ];
  }

  /** Starts the receiver when the setting asks for it and the workspace is trusted; errors go to the log. */
  async followSetting(): Promise<void> {
    if (!readOtlpSettings().enabled || !vscode.workspace.isTrusted || this.url) return;
    await this.start().catch((e: unknown) => {
      this.log.error(`could not start the OTLP receiver: ${describeError(e)}`);
      void vscode.window.showErrorMessage(`The OTLP receiver could not start: ${describeError(e)}`);
    });
  }

  async start(): Promise<string> {
    if (this.url) return this.url;
    const { port, token } = readOtlpSettings();
    const manager = await this.store.manager();
    const { url } = await manager.startOtlpReceiver({ port, token });
    // A worker that was stopped (over budget) and started again has no receiver: say so, and follow the setting.
    this.offStop = manager.onDidStop(() => {
      this.listening(undefined);
      void this.followSetting();
    });
    this.listening(url);
    this.log.info(`OTLP receiver listening on ${url}`);
    return url;
  }

  /** Stops it; resolves to what it received (undefined when it was not running). */
  async stop(tell = true): Promise<ReceiverStats | undefined> {
    const manager = this.store.openManager;
    const wasListening = this.url;
    this.listening(undefined);
    const stats = manager ? await manager.stopOtlpReceiver() : undefined;
    if (stats && wasListening) {
      const sentence = `OTLP receiver stopped: ${stats.stored} span(s) stored (${stats.sessionsCreated} new session(s), ${stats.messagesAdded} message(s)), ${stats.refused} request(s) refused.`;
      this.log.info(sentence);
      if (tell) void vscode.window.showInformationMessage(sentence);
    }
    return stats;
  }

  dispose(): void {
    this.offStop?.();
    this.item.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  private listening(url: string | undefined): void {
    this.url = url;
    if (!url) {
      this.offStop?.();
      this.offStop = undefined;
    }
    void OTLP_LISTENING.set(vscode.commands, url !== undefined);
    if (!url) return this.item.hide();
    this.item.text = `$(radio-tower) OTLP ${url.replace('http://', '')}`;
    this.item.tooltip = `LangSwarm Sessions receives OpenTelemetry traces at ${url}/v1/traces (OTEL_EXPORTER_OTLP_ENDPOINT=${url}). Click to stop.`;
    this.item.show();
  }
}
