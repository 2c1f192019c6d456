// Every command the extension contributes (package.json must list exactly these; a test checks).
// Kept apart from the implementation so activation registers them without loading anything else.
export const COMMAND_IDS = [
  'langswarmSessions.createSession',
  'langswarmSessions.resumeSession',
  'langswarmSessions.pauseSession',
  'langswarmSessions.completeSession',
  'langswarmSessions.archiveSession',
  'langswarmSessions.unarchiveSession',
  'langswarmSessions.deleteSession',
  'langswarmSessions.renameSession',
  'langswarmSessions.editTags',
  'langswarmSessions.forkFromHere',
  'langswarmSessions.editMessage',
  'langswarmSessions.deleteMessage',
  'langswarmSessions.copyMessage',
  'langswarmSessions.searchSessions',
  'langswarmSessions.filter',
  'langswarmSessions.clearFilter',
  'langswarmSessions.groupBy',
  'langswarmSessions.refresh',
  'langswarmSessions.showLog',
  'langswarmSessions.showMore',
  'langswarmSessions.openDemo',
  'langswarmSessions.addToGitignore',
  'langswarmSessions.sendMessage',
  'langswarmSessions.replayConversation',
  'langswarmSessions.testProviderConnection',
  'langswarmSessions.setApiKey',
  'langswarmSessions.clearApiKey',
  'langswarmSessions.resetContinueChoice',
  'langswarmSessions.importRemoteConversation',
  'langswarmSessions.migrate',
  'langswarmSessions.exportV1',
  'langswarmSessions.revealSession',
  'langswarmSessions.openHistory',
  'langswarmSessions.dumpSessionState',
  'langswarmSessions.dumpAllSessions',
  'langswarmSessions.exportState',
  'langswarmSessions.salvageDatabase',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/**
 * Commands that change the workspace (its sessions, files, .gitignore) or call a provider: in Restricted Mode they stay
 * in the palette and the menus, and running one says that it needs trust (Commands.run) instead of doing anything.
 */
export const NEEDS_TRUST: ReadonlySet<CommandId> = new Set<CommandId>([
  'langswarmSessions.createSession',
  'langswarmSessions.pauseSession',
  'langswarmSessions.completeSession',
  'langswarmSessions.archiveSession',
  'langswarmSessions.unarchiveSession',
  'langswarmSessions.deleteSession',
  'langswarmSessions.renameSession',
  'langswarmSessions.editTags',
  'langswarmSessions.forkFromHere',
  'langswarmSessions.editMessage',
  'langswarmSessions.deleteMessage',
  'langswarmSessions.openDemo',
  'langswarmSessions.addToGitignore',
  'langswarmSessions.sendMessage',
  'langswarmSessions.replayConversation',
  'langswarmSessions.testProviderConnection',
  'langswarmSessions.importRemoteConversation',
  'langswarmSessions.migrate',
  'langswarmSessions.salvageDatabase',
]);

/** What the user reads when `title` is run in Restricted Mode. */
export function untrustedSentence(title: string): string {
  return `"${title}" needs a trusted workspace. In Restricted Mode LangSwarm Sessions only reads: it changes no session, imports no file and calls no provider.`;
}
