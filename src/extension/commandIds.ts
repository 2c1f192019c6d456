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

/** The history browser's webview type (src/extension/webview/panel.ts VIEW_TYPES.history), for restoring it. */
export const HISTORY_VIEW_TYPE = 'langswarm.history';
