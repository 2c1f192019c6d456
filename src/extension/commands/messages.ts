// Message commands: fork from a message, edit it (in an editor, or with the new text given), delete it, copy it.
import * as vscode from 'vscode';
import { CoreError } from '../../core/errors';
import { partsText } from '../../core/text';
import { messageUri } from '../messageDocuments';
import { Commands, command, flag, messageIdOf, messageTarget, text } from './args';
import type { CommandEnv } from './env';

const onMessage = messageTarget();

/** The message a command works on; without one, the sentence says where to use it. */
function required(messageId: string | undefined, what: string): string {
  if (!messageId)
    throw new CoreError('InvalidInput', `${what} works on a message: use it from a message in the Sessions view.`);
  return messageId;
}

export function messageCommands(
  env: CommandEnv,
): Commands<
  | 'langswarmSessions.forkFromHere'
  | 'langswarmSessions.editMessage'
  | 'langswarmSessions.deleteMessage'
  | 'langswarmSessions.copyMessage'
> {
  return {
    'langswarmSessions.forkFromHere': command([messageTarget({ title: text.optional() })], async (t) => {
      const messageId = required(messageIdOf(t), 'Fork From Here');
      const manager = await env.manager();
      const message = await manager.getMessage(messageId);
      const fork = await manager.fork(message.sessionId, messageId, { title: t.title || undefined });
      await env.ctx.active.set(fork.id);
      await env.reveal(fork.id);
      return fork.id;
    }),

    'langswarmSessions.editMessage': command([onMessage, text.optional()], async (t, content) => {
      const messageId = required(messageIdOf(t), 'Edit Message');
      const manager = await env.manager();
      if (content !== undefined) return (await manager.editMessage(messageId, { content })).revision;
      const message = await manager.getMessage(messageId);
      const uri = messageUri(message, (await manager.get(message.sessionId)).title);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
      return uri.toString();
    }),

    'langswarmSessions.deleteMessage': command([messageTarget({ confirmed: flag.optional() })], async (t) => {
      const messageId = required(messageIdOf(t), 'Delete Message');
      const manager = await env.manager();
      const m = await manager.getMessage(messageId);
      if (t.confirmed !== true) {
        const answer = await vscode.window.showWarningMessage(
          `Delete this ${m.role} message (#${m.seq})?`,
          { modal: true, detail: 'This cannot be undone.' },
          'Delete',
        );
        if (answer !== 'Delete') return false;
      }
      await manager.deleteMessage(messageId);
      return true;
    }),

    'langswarmSessions.copyMessage': command([onMessage], async (t) => {
      const messageId = required(messageIdOf(t), 'Copy Message');
      const m = await (await env.manager()).getMessage(messageId);
      // The text the history browser's copy button copies too.
      const copied = partsText(m.parts, 'copy');
      await vscode.env.clipboard.writeText(copied);
      return copied;
    }),
  };
}
