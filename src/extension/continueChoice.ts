// Asking how to continue a session that is a record (imported, completed or archived): in a fork, which keeps it
// as it was, or here. The answer is remembered for the workspace only when the user says so, and forgotten by the
// "Ask Again How to Continue Recorded Sessions" command.
import * as vscode from 'vscode';
import type { Session } from '../core/model';
import { CONTINUE_CHOICE } from './keys';
import { displayTitle } from '../core/text';

export const CONTINUE_BUTTONS = {
  fork: 'Continue in a fork (keeps the original as it was)',
  here: 'Continue here',
  alwaysFork: 'Always fork in this workspace',
  alwaysHere: 'Always continue here in this workspace',
} as const;

/** What the session is, in a few words: why continuing it asks. */
function describeRecord(session: Session): string {
  const imported = session.origin
    ? `imported from ${session.origin.format.startsWith('langswarm') ? 'LangSwarm' : session.origin.format}`
    : '';
  const status = session.status === 'completed' || session.status === 'archived' ? session.status : '';
  return [imported, status].filter(Boolean).join(' and ');
}

export async function askHowToContinue(
  memento: vscode.Memento,
  session: Session,
): Promise<'fork' | 'here' | undefined> {
  const remembered = CONTINUE_CHOICE.get(memento);
  if (remembered) return remembered;
  const here =
    session.status === 'active'
      ? 'Continue here adds your message to it.'
      : `Continue here adds your message to it and makes it active (it is ${session.status} now).`;
  const picked = await vscode.window.showWarningMessage(
    `"${displayTitle(session)}" is ${describeRecord(session)}. Continue it in a fork?`,
    {
      modal: true,
      detail: `A fork is a copy you continue; the original stays as it was, a record of what happened. ${here}`,
    },
    CONTINUE_BUTTONS.fork,
    CONTINUE_BUTTONS.here,
    CONTINUE_BUTTONS.alwaysFork,
    CONTINUE_BUTTONS.alwaysHere,
  );
  switch (picked) {
    case CONTINUE_BUTTONS.fork:
      return 'fork';
    case CONTINUE_BUTTONS.here:
      return 'here';
    case CONTINUE_BUTTONS.alwaysFork:
      await CONTINUE_CHOICE.update(memento, 'fork');
      return 'fork';
    case CONTINUE_BUTTONS.alwaysHere:
      await CONTINUE_CHOICE.update(memento, 'here');
      return 'here';
    default:
      return undefined;
  }
}

/** Forgets the remembered answer; resolves to what it was. */
export async function forgetContinueChoice(memento: vscode.Memento): Promise<'fork' | 'here' | undefined> {
  const was = CONTINUE_CHOICE.get(memento);
  await CONTINUE_CHOICE.update(memento, undefined);
  return was;
}
