// Scenario files in VS Code's Test Explorer: one test item per `*.sim.yaml` / `*.sim.json` file (kept current by a
// file watcher), children per turn and assertion at their place in the file (gutter icons), a Run profile, the
// results as test messages with expected, actual and location, and "Run Scenario" / "Debug Scenario" CodeLenses. Runs
// go through the store worker's manager (the host never blocks on the database) and the editor's providers (keys in
// SecretStorage). The Debug profile steps through the scenario in the conversation debugger (debug/debugging.ts) and
// reports the run it sends when it ends. Not in an untrusted workspace: a run calls providers and writes sessions.
import * as vscode from 'vscode';
import { CoreError, describeError } from '../../core/errors';
import type { AssertionOutcome } from '../../core/simulate/assertions';
import { type KeyPath, type LoadedScenario, MAX_SCENARIO_BYTES, parseScenario } from '../../core/simulate/load';
import type { Assertion } from '../../core/simulate/scenario';
import { runScenario, type ScenarioRun } from '../../core/simulate/runner';
import type { EndedEventBody } from '../../dap/adapter';
import type { ProviderAccess } from '../providerAccess';
import type { WorkspaceStore } from '../workspaceStore';

export const SCENARIO_GLOB = '**/*.sim.{yaml,yml,json}';
export const UNTRUSTED_RUN =
  'Scenarios are not run in an untrusted workspace: a run calls providers and writes sessions. Trust the folder to run it.';

/** What the Test Explorer shows for an item, and where. */
interface ItemInfo {
  uri: vscode.Uri;
  /** The scenario item's; undefined for an item of a file that does not parse. */
  loaded?: LoadedScenario;
  /** For a turn or assertion item: its key path in the file. */
  path?: KeyPath;
}

const range = (loaded: LoadedScenario, path: KeyPath) => {
  const span = loaded.locate(path);
  return new vscode.Range(span.start.line - 1, span.start.column - 1, span.end.line - 1, span.end.column - 1);
};
const pathId = (path: KeyPath) => path.join('.');
const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function assertionLabel(a: Assertion): string {
  const [kind, value] = Object.entries(a)[0]!;
  return `${kind}: ${short(typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value), 50)}`;
}

export class ScenarioTests implements vscode.Disposable {
  private made?: vscode.TestController;
  private readonly info = new WeakMap<vscode.TestItem, ItemInfo>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The last finished run of each scenario file (tests read it). */
  readonly lastRuns = new Map<string, ScenarioRun | Error>();

  constructor(
    private readonly store: WorkspaceStore,
    private readonly providers: ProviderAccess,
    private readonly judge: () => boolean,
    /** Debugs a scenario file; resolves when the debug session ends (debug/debugging.ts). */
    private readonly debugScenario: (uri: vscode.Uri, run: vscode.TestRun) => Promise<EndedEventBody | undefined>,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(SCENARIO_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.load(uri)),
      watcher.onDidChange((uri) => void this.load(uri)),
      watcher.onDidDelete((uri) => this.made?.items.delete(uri.toString())),
      vscode.languages.registerCodeLensProvider(
        { pattern: SCENARIO_GLOB },
        { provideCodeLenses: (d) => this.lenses(d) },
      ),
    );
    void this.discover();
  }

  /** Made with the first scenario file found: a workspace without any gets no Testing view from us. */
  get controller(): vscode.TestController {
    if (this.made) return this.made;
    const controller = vscode.tests.createTestController('langswarmSessions.scenarios', 'LangSwarm Scenarios');
    controller.createRunProfile(
      'Run',
      vscode.TestRunProfileKind.Run,
      (request, token) => this.run(request, token),
      true,
    );
    controller.createRunProfile(
      'Debug',
      vscode.TestRunProfileKind.Debug,
      (request, token) => this.run(request, token, 'debug'),
      true,
    );
    controller.refreshHandler = () => this.discover();
    this.disposables.push(controller);
    this.made = controller;
    return controller;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  async discover(): Promise<void> {
    const files = await vscode.workspace.findFiles(SCENARIO_GLOB, '**/node_modules/**', 1000);
    await Promise.all(files.map((uri) => this.load(uri)));
  }

  /** (Re)reads one scenario file into its test item; a file that does not parse is an item with the error. */
  async load(uri: vscode.Uri): Promise<vscode.TestItem> {
    const name = uri.path.split('/').pop()!;
    const item = this.controller.createTestItem(uri.toString(), name, uri);
    this.controller.items.add(item);
    try {
      const { size } = await vscode.workspace.fs.stat(uri);
      if (size > MAX_SCENARIO_BYTES) throw new CoreError('InvalidInput', `${name} is larger than 1 MiB.`);
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const loaded = parseScenario(text, uri.fsPath);
      item.label = loaded.scenario.name;
      item.description = name;
      item.range = range(loaded, []);
      this.info.set(item, { uri, loaded });
      this.addChildren(item, loaded);
    } catch (e) {
      item.error = describeError(e).replace(/^Invalid scenario:\n/, '');
      const first =
        e instanceof CoreError ? (e.details['problems'] as Array<{ line: number; column: number }>)?.[0] : undefined;
      if (first) item.range = new vscode.Range(first.line - 1, first.column - 1, first.line - 1, first.column - 1);
      this.info.set(item, { uri });
    }
    return item;
  }

  private addChildren(parent: vscode.TestItem, loaded: LoadedScenario): void {
    const uri = parent.uri!;
    const child = (under: vscode.TestItem, path: KeyPath, label: string) => {
      const item = this.controller.createTestItem(`${uri}#${pathId(path)}`, label, uri);
      item.range = range(loaded, path);
      this.info.set(item, { uri, loaded, path });
      under.children.add(item);
      return item;
    };
    const s = loaded.scenario;
    for (const [i, turn] of (s.turns ?? []).entries()) {
      const t = child(parent, ['turns', i], `Turn ${i + 1}: ${short(turn.user)}`);
      for (const [j, a] of (turn.expect ?? []).entries()) child(t, ['turns', i, 'expect', j], assertionLabel(a));
    }
    if (s.user_simulator) {
      const sim = child(parent, ['user_simulator'], `Simulated user: ${short(s.user_simulator.goal)}`);
      for (const [j, a] of (s.user_simulator.expect ?? []).entries())
        child(sim, ['user_simulator', 'expect', j], assertionLabel(a));
      child(sim, ['user_simulator', 'goal'], `goal: ${short(s.user_simulator.goal, 50)}`);
    }
  }

  private lenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lens = (title: string, command: string) =>
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title, command, arguments: [document.uri.toString()] });
    return [
      lens('$(run) Run Scenario', 'langswarmSessions.runScenario'),
      lens('$(debug-alt) Debug Scenario', 'langswarmSessions.debugScenario'),
    ];
  }

  /** Runs (or debugs) the scenario file `uri` (the CodeLenses and the commands), as the Run (Debug) profile would. */
  async runFile(uri: vscode.Uri, how: 'run' | 'debug' = 'run'): Promise<ScenarioRun | Error | undefined> {
    const item = this.controller.items.get(uri.toString()) ?? (await this.load(uri));
    const cancel = new vscode.CancellationTokenSource();
    try {
      await this.run(new vscode.TestRunRequest([item]), cancel.token, how);
    } finally {
      cancel.dispose();
    }
    return this.lastRuns.get(uri.toString());
  }

  /** The Run and Debug profiles: each requested item's scenario file runs once; its items get the results. */
  async run(
    request: vscode.TestRunRequest,
    token: vscode.CancellationToken,
    how: 'run' | 'debug' = 'run',
  ): Promise<void> {
    const run = this.controller.createTestRun(request);
    const roots = new Map<string, vscode.TestItem>();
    const requested = request.include ?? [...this.all()];
    for (const item of requested) {
      let root = item;
      while (root.parent) root = root.parent;
      if (!request.exclude?.includes(root)) roots.set(root.id, root);
    }
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    try {
      for (const root of roots.values()) {
        if (token.isCancellationRequested) break;
        await this.runOne(run, root, how === 'debug' ? () => this.debugOne(run, root) : abort.signal);
      }
    } finally {
      onCancel.dispose();
      run.end();
    }
  }

  private *all(): Iterable<vscode.TestItem> {
    for (const [, item] of this.controller.items) yield item;
  }

  /** The Debug profile's run of one file: the debug session's result, once it ends. */
  private async debugOne(run: vscode.TestRun, root: vscode.TestItem): Promise<ScenarioRun> {
    const ended = await this.debugScenario(root.uri!, run);
    if (ended?.run) return ended.run;
    throw new CoreError('InvalidInput', ended?.error ?? 'The debug session ended without a result.');
  }

  /** Runs one file: in this window (aborted by `signal`), or as `debug` does. */
  private async runOne(
    run: vscode.TestRun,
    root: vscode.TestItem,
    how: AbortSignal | (() => Promise<ScenarioRun>),
  ): Promise<void> {
    const info = this.info.get(root);
    const everything = [root, ...descendants(root)];
    const message = (text: string) => {
      const m = new vscode.TestMessage(text);
      if (root.uri && root.range) m.location = new vscode.Location(root.uri, root.range);
      return m;
    };
    if (!vscode.workspace.isTrusted) {
      for (const item of everything) run.errored(item, message(UNTRUSTED_RUN));
      return;
    }
    if (!info?.loaded) {
      run.errored(root, message(root.error ? String(root.error) : 'The scenario file could not be read.'));
      return;
    }
    for (const item of everything) run.started(item);
    const loaded = info.loaded;
    try {
      const result = typeof how === 'function' ? await how() : await this.runHere(run, root, loaded, how);
      this.lastRuns.set(root.id, result);
      run.appendOutput(
        `${loaded.scenario.name}: ${result.passed ? 'passed' : 'failed'}, session ${result.sessionId} (${result.provider}/${result.model})\r\n`,
        undefined,
        root,
      );
      this.report(run, root, loaded, result);
    } catch (e) {
      this.lastRuns.set(root.id, e instanceof Error ? e : new Error(String(e)));
      for (const item of everything) run.errored(item, message(describeError(e)));
    }
  }

  private async runHere(
    run: vscode.TestRun,
    root: vscode.TestItem,
    loaded: LoadedScenario,
    signal: AbortSignal,
  ): Promise<ScenarioRun> {
    const manager = await this.store.manager();
    return runScenario(manager, loaded, {
      judge: this.judge(),
      signal,
      providerFor: this.providers.forRun(manager, (note) => run.appendOutput(`${note}\r\n`, undefined, root)),
      onTurn: (turn) =>
        run.appendOutput(
          `${loaded.scenario.name}, turn ${turn.index}: ${turn.assertions.every((a) => a.passed) ? 'passed' : 'failed'}\r\n`,
          undefined,
          root,
        ),
    });
  }

  /** Each assertion's item passes or fails with its message; a turn fails with any of its assertions. */
  private report(run: vscode.TestRun, root: vscode.TestItem, loaded: LoadedScenario, result: ScenarioRun): void {
    const uri = root.uri!;
    const messageOf = (a: AssertionOutcome) => {
      const m =
        a.expected !== undefined && a.actual !== undefined
          ? vscode.TestMessage.diff(a.message, a.expected, a.actual)
          : new vscode.TestMessage(a.message);
      m.location = new vscode.Location(uri, range(loaded, a.path));
      return m;
    };
    const failures = new Map<vscode.TestItem, vscode.TestMessage[]>();
    const judged = new Set<vscode.TestItem>();
    const fail = (item: vscode.TestItem, m: vscode.TestMessage) =>
      failures.set(item, [...(failures.get(item) ?? []), m]);
    for (const turn of result.turns) {
      const turnItem = root.children.get(`${uri}#${pathId(turn.path)}`) ?? root;
      for (const a of turn.assertions) {
        const item = root.children.get(`${uri}#${pathId(turn.path)}`)?.children.get(`${uri}#${pathId(a.path)}`);
        if (item && a.skipped) run.skipped(item);
        else if (item && a.passed) run.passed(item);
        else if (item) fail(item, messageOf(a));
        if (item) judged.add(item);
        // A failure of the turn itself (a tool call without an answer, too many rounds) and any failed assertion
        // fail the turn, with the turn's number: a simulated user's turns share one item.
        if (!a.passed) fail(turnItem, messageOf({ ...a, message: `Turn ${turn.index}: ${a.message}` }));
      }
      judged.add(turnItem);
    }
    for (const [item, messages] of failures) run.failed(item, messages);
    for (const item of judged) if (!failures.has(item) && item !== root) run.passed(item);
    for (const item of descendants(root)) if (!judged.has(item)) run.skipped(item);
    if (result.passed) run.passed(root);
    else run.failed(root, [...failures.values()].flat().slice(0, 1));
  }
}

function* descendants(item: vscode.TestItem): Iterable<vscode.TestItem> {
  for (const [, child] of item.children) {
    yield child;
    yield* descendants(child);
  }
}
