// The two models a simulation may use besides the one under test: the judge (grades a reply on a rubric)
// and the simulated user (plays a persona toward a goal). Both answer in a small, parseable protocol.
import { unstoredRequest } from '../conversation';
import { CoreError } from '../errors';
import type { Message } from '../model';
import { messageText } from '../model';
import type { Provider } from '../providers/provider';
import type { SessionApi } from '../sessions';
import { TurnRecorder } from '../turn-recorder';
import type { JudgeFn } from './assertions';
import type { UserSimulator } from './scenario';

export const JUDGE_SYSTEM = [
  "You grade an AI assistant's reply against a rubric.",
  'Answer with PASS or FAIL alone on the first line, then one sentence saying why.',
].join(' ');

/** The judge's answer: a first line PASS or FAIL (any case, punctuation around it ignored), then the reason. */
export function parseVerdict(answer: string): { passed: boolean; reason: string } {
  const lines = answer.trim().split('\n');
  const word = lines[0]!.replace(/[^A-Za-z]/g, '').toUpperCase();
  const reason = lines.slice(1).join(' ').trim();
  if (word === 'PASS' || word === 'FAIL')
    return { passed: word === 'PASS', reason: reason || `The judge said ${word} without a reason.` };
  return {
    passed: false,
    reason: `The judge's answer did not start with PASS or FAIL: ${JSON.stringify(answer.slice(0, 200))}.`,
  };
}

/**
 * A judge that asks `provider` (one unstored request per rubric, traced into the run's session with the
 * operation `simulate`).
 */
export function makeJudge(
  manager: SessionApi,
  sessionId: string,
  providerFor: (name: string, model: string) => Promise<Provider>,
  defaults: { provider: string; model: string },
  signal?: AbortSignal,
): JudgeFn {
  return async (rubric, reply, choice) => {
    const name = choice.provider ?? defaults.provider;
    const model = choice.model ?? defaults.model;
    const provider = await providerFor(name, model);
    const recorder = new TurnRecorder(
      { operation: 'simulate', provider: provider.name, modelRequested: model, streamed: false, sessionId },
      async (trace) => {
        await manager.recordTrace(trace);
      },
      manager.tracer,
    );
    const { session, message } = unstoredRequest({
      name: 'simulation-judge',
      title: 'Simulation judge',
      provider: provider.name,
      model,
      system: JUDGE_SYSTEM,
      text: `Rubric:\n${rubric}\n\nReply:\n${reply}`,
    });
    try {
      const answer = await provider.send(
        { session, messages: [message], stream: false, parameters: { maxOutputTokens: 400 } },
        { signal, recording: recorder.recording },
      );
      await recorder.finish({ reply: answer, messageIds: [] });
      return parseVerdict(messageText(answer.parts));
    } catch (e) {
      await recorder.finish({
        error: e instanceof CoreError ? e : new CoreError('ProviderError', String(e)),
        messageIds: [],
      });
      throw e;
    }
  };
}

export const GOAL_MET = 'GOAL_MET';
export const GIVE_UP = 'GIVE_UP';

/** The simulated user's instructions: the persona, the goal, and the two words that end the conversation. */
export function simulatorSystem(sim: UserSimulator): string {
  return [
    'You play a user talking to an AI assistant, to test the assistant.',
    `Persona: ${sim.persona}`,
    `Your goal: ${sim.goal}`,
    "Each message you receive is the assistant's latest reply. Answer with only what the user writes next: one message, in the persona's voice.",
    `When the goal is met, answer with exactly ${GOAL_MET}. If it cannot be met, answer with exactly ${GIVE_UP}.`,
  ].join('\n');
}

/** What the simulated user said: its next message, or that the goal is met, or that it gives up. */
export type SimulatorMove = { kind: 'message'; text: string } | { kind: 'goal_met' } | { kind: 'give_up' };

/** The move in the simulator's answer: GOAL_MET or GIVE_UP on its last line (markdown marks ignored), else a message. */
export function parseMove(answer: string): SimulatorMove {
  const lines = answer.trim().split('\n');
  const last = lines[lines.length - 1]!.replace(/[\s*`[\].!"']/g, '').toUpperCase();
  if (last === GOAL_MET) return { kind: 'goal_met' };
  if (last === GIVE_UP) return { kind: 'give_up' };
  return { kind: 'message', text: answer.trim() };
}

/** What the simulator is told first: the conversation so far (scripted turns, a recorded session), if any. */
export function simulatorOpening(history: readonly Message[]): string {
  const lines = history
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .map((m) => [m.role === 'user' ? 'User' : 'Assistant', messageText(m.parts)] as const)
    .filter(([, text]) => text)
    .map(([who, text]) => `${who}: ${text}`);
  return lines.length
    ? `The conversation so far:\n${lines.join('\n')}\n\nWrite the user's next message.`
    : 'Write your first message to the assistant.';
}
