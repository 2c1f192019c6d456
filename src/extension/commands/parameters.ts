// Set Model Parameters…: how a session's model is asked to answer. Scripts pass the parameters; people pick what to
// change (reasoning effort, temperature, max output tokens) or edit them all as JSON (tools, safety settings…).
import * as vscode from 'vscode';
import type { ModelParameters, Session } from '../../core/model';
import { MAX_TEMPERATURE, REASONING_EFFORTS } from '../../core/names';
import { parametersSummary } from '../../core/text';
import { parametersUri } from '../parameterDocuments';
import { quickPick } from '../picks';
import { Commands, SetParametersArg, command, sessionIdOf } from './args';
import type { CommandEnv } from './env';
import { checkMaxTokens, checkTemperature } from './parameterInput';

type Change = 'effort' | 'temperature' | 'maxOutputTokens' | 'json' | 'clear';

export function parameterCommands(env: CommandEnv): Commands<'langswarmSessions.setModelParameters'> {
  /** Opens the parameters as a JSON document; saving applies them (parameterDocuments.ts). */
  const editJson = async (session: Session) => {
    const uri = parametersUri(session);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return uri.toString();
  };

  return {
    'langswarmSessions.setModelParameters': command([SetParametersArg], async (t) => {
      const manager = await env.manager();
      const sessionId =
        sessionIdOf(t) ??
        (await env.pickSession('Set the model parameters of which session?', [
          'active',
          'paused',
          'completed',
          'error',
        ]));
      if (!sessionId) return undefined;
      if (t.parameters !== undefined) return (await manager.setParameters(sessionId, t.parameters)).parameters ?? {};
      const session = await manager.get(sessionId);
      if (t.edit === 'json') return editJson(session);
      const p = session.parameters ?? {};
      const change = await pickChange(session, p);
      if (!change) return undefined;
      if (change === 'json') return editJson(session);
      const next = change === 'clear' ? {} : await askChange(change, p);
      if (!next) return undefined;
      const saved = await manager.setParameters(sessionId, next);
      void vscode.window.showInformationMessage(
        `Model parameters of "${saved.title}": ${parametersSummary(saved.parameters) || "the provider's defaults"}.`,
      );
      return saved.parameters ?? {};
    }),
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

async function pickChange(session: Session, p: ModelParameters): Promise<Change | undefined> {
  const current = (v: string | number | undefined) => (v === undefined ? "provider's default" : String(v));
  const items: Array<vscode.QuickPickItem & { change: Change }> = [
    { label: '$(lightbulb) Reasoning effort', description: current(p.reasoning?.effort), change: 'effort' },
    { label: '$(flame) Temperature', description: current(p.temperature), change: 'temperature' },
    { label: '$(symbol-number) Max output tokens', description: current(p.maxOutputTokens), change: 'maxOutputTokens' },
    {
      label: '$(json) Edit as JSON…',
      description: `${plural(p.tools?.length ?? 0, 'tool')}, ${plural(p.safetySettings?.length ?? 0, 'safety setting')}`,
      detail: 'Tools (JSON Schema), Gemini safety settings, reasoning summary and budget: saving applies them.',
      change: 'json',
    },
    ...(Object.keys(p).length
      ? [{ label: '$(clear-all) Clear all', description: 'use the provider’s defaults', change: 'clear' as const }]
      : []),
  ];
  const picked = await quickPick(items, {
    title: `Model parameters of "${session.title}"`,
    placeHolder: parametersSummary(p) || "None set: the provider's defaults apply. What to set?",
  });
  return picked?.change;
}

/** The parameters with one of effort, temperature or max output tokens changed; undefined when the user cancelled. */
async function askChange(change: 'effort' | 'temperature' | 'maxOutputTokens', p: ModelParameters) {
  const next: ModelParameters = { ...p };
  if (change === 'effort') {
    const picked = await quickPick(
      [
        { label: "Provider's default", description: 'no reasoning settings', effort: undefined },
        ...REASONING_EFFORTS.map((effort) => ({
          label: effort,
          description: effort === p.reasoning?.effort ? 'current' : '',
          effort,
        })),
      ],
      {
        title: 'Reasoning effort',
        placeHolder: 'OpenAI reasoning.effort, Anthropic thinking budget, Gemini thinkingBudget',
      },
    );
    if (!picked) return undefined;
    if (picked.effort) next.reasoning = { ...p.reasoning, effort: picked.effort };
    else delete next.reasoning;
    return next;
  }
  const temperature = change === 'temperature';
  const typed = await vscode.window.showInputBox({
    title: temperature ? 'Temperature' : 'Max output tokens',
    prompt: temperature
      ? `0 to ${MAX_TEMPERATURE}; empty for the provider's default.`
      : "The most tokens a reply may use (reasoning included); empty for the provider's default.",
    value: String(p[change] ?? ''),
    validateInput: temperature ? checkTemperature : checkMaxTokens,
  });
  if (typed === undefined) return undefined;
  if (typed.trim()) next[change] = Number(typed);
  else delete next[change];
  return next;
}
