// "Save as Scenario…": a scenario file written from a recorded session: its provider, model and system
// prompt, its user turns in order, and its tools answered with the results it recorded (by the arguments
// of the call each answered). The user adds the `expect` lists.
import { stringify } from 'yaml';
import { type Message, messageText, type Part, type Session } from '../model';
import { isUserTurn } from '../providers/replay';
import { displayTitle } from '../text';
import { parseScenario } from './load';
import type { Scenario, ScenarioTool } from './scenario';

type ToolCall = Extract<Part, { type: 'tool_call' }>;

/** A tool result as the scenario answers it: JSON text as its value, other text as is. */
function resultValue(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

function argsOf(call: ToolCall | undefined): Record<string, unknown> {
  try {
    const args = JSON.parse(call?.argumentsJson || '{}');
    return args && typeof args === 'object' && !Array.isArray(args) ? args : {};
  } catch {
    return {};
  }
}

export function scenarioFromSession(session: Session, messages: readonly Message[]): Scenario {
  const calls = new Map<string, ToolCall>();
  const tools = new Map<string, ScenarioTool>();
  const turns: Array<{ user: string }> = [];
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type === 'tool_call') calls.set(p.callId, p);
      if (p.type !== 'tool_result') continue;
      const tool = tools.get(p.name) ?? { name: p.name, results: [] };
      const answer = { when: argsOf(calls.get(p.callId)), result: resultValue(p.content) };
      // The same arguments answered twice: the first answer is the one a scenario gives.
      if (!tool.results!.some((r) => JSON.stringify(r.when) === JSON.stringify(answer.when)))
        tool.results!.push({ ...answer, ...(p.isError ? { is_error: true } : {}) });
      tools.set(p.name, tool);
    }
    if (isUserTurn(m) && messageText(m.parts).trim()) turns.push({ user: messageText(m.parts) });
  }
  const declared = new Map(
    ((session.metadata['tools'] as Array<{ name?: unknown }> | undefined) ?? []).map((t) => [t?.name, t]),
  );
  return {
    name: displayTitle(session).slice(0, 500) || 'scenario',
    provider: (['openai', 'anthropic', 'gemini'].includes(session.provider)
      ? session.provider
      : 'replay') as Scenario['provider'],
    model: session.model,
    ...(session.systemPrompt ? { system: session.systemPrompt } : {}),
    rounds: 8,
    ...(tools.size
      ? {
          tools: [...tools.values()].map((t) => {
            const d = declared.get(t.name) as
              | { description?: string; parameters?: Record<string, unknown> }
              | undefined;
            return {
              ...t,
              ...(typeof d?.description === 'string' ? { description: d.description } : {}),
              ...(d?.parameters && typeof d.parameters === 'object' ? { parameters: d.parameters } : {}),
            };
          }),
        }
      : {}),
    turns: turns.length ? turns : [{ user: '…' }],
  };
}

/** The scenario as YAML a user edits, checked to load back (a session's text could never make an invalid file). */
export function scenarioYaml(scenario: Scenario, fileName = 'session.sim.yaml'): string {
  const { rounds: _default, ...rest } = scenario;
  const text = `# A scenario saved from a session: add \`expect\` assertions under each turn (see the README).\n${stringify(rest, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  parseScenario(text, fileName);
  return text;
}
