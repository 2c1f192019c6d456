// Scenario files: run or debug one (the CodeLenses, the palette on the open file), "Save as Scenario…" on a session,
// and "Edit Request…" while the conversation debugger is stopped before a model call.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { CoreError } from '../../core/errors';
import { SESSION_STATUSES } from '../../core/model';
import { scenarioFromSession, scenarioYaml } from '../../core/simulate/from-session';
import { isScenarioFile } from '../../core/simulate/load';
import { defaultSaveUri } from '../ui';
import { Commands, command, sessionIdOf, sessionTarget, text } from './args';
import type { CommandEnv } from './env';

export function simulateCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.runScenario'
  | 'langswarmSessions.debugScenario'
  | 'langswarmSessions.saveAsScenario'
  | 'langswarmSessions.editRequest'
> {
  return {
    /** The scenario file `uri` (default: the active editor's), run as the Test Explorer's Run profile would. */
    'langswarmSessions.runScenario': command([text.optional()], async (uri) =>
      env.ctx.scenarios.runFile(await scenarioFile(uri, 'run')),
    ),

    /** The same in the debugger, as the Debug profile would: resolves when the debug session ends. */
    'langswarmSessions.debugScenario': command([text.optional()], async (uri) =>
      env.ctx.scenarios.runFile(await scenarioFile(uri, 'debug'), 'debug'),
    ),

    /** Opens the pending request of the conversation being debugged as JSON; saving it sends it for this call. */
    'langswarmSessions.editRequest': command([], async () => (await env.ctx.debugging.editRequest()).toString()),

    /** Writes a scenario from the session's user turns and tool results; `target` skips the save dialog. */
    'langswarmSessions.saveAsScenario': command([sessionTarget({ target: text.optional() })], async (t) => {
      const sessionId =
        sessionIdOf(t) ?? (await env.pickSession('Save which session as a scenario?', SESSION_STATUSES));
      if (!sessionId) return undefined;
      const manager = await env.manager();
      const session = await manager.get(sessionId);
      const scenario = scenarioFromSession(session, await manager.allMessages(sessionId));
      const safe =
        scenario.name
          .replace(/[^\w.-]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 60) || 'session';
      let file = t.target;
      if (!file) {
        const uri = await vscode.window.showSaveDialog({
          title: `Save "${scenario.name}" as a Scenario`,
          filters: { 'Scenario (YAML)': ['sim.yaml'] },
          defaultUri: defaultSaveUri(`${safe}.sim.yaml`),
        });
        if (!uri) return undefined;
        file = uri.fsPath;
      }
      if (!isScenarioFile(file)) file = `${file.replace(/\.ya?ml$/i, '')}.sim.yaml`;
      fs.writeFileSync(file, scenarioYaml(scenario, file));
      if (t.target === undefined) await vscode.window.showTextDocument(vscode.Uri.file(file));
      return file;
    }),
  };
}

/** The scenario file `uri` names (default: the active editor's), saved first when it is open there. */
async function scenarioFile(uri: string | undefined, verb: string): Promise<vscode.Uri> {
  const target = uri ? vscode.Uri.parse(uri, true) : vscode.window.activeTextEditor?.document.uri;
  if (!target || !isScenarioFile(target.path))
    throw new CoreError('InvalidInput', `Open a scenario file (*.sim.yaml or *.sim.json) to ${verb} it.`);
  if (vscode.window.activeTextEditor?.document.uri.toString() === target.toString())
    await vscode.window.activeTextEditor.document.save();
  return target;
}
