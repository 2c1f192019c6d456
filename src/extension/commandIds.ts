// Every command the extension contributes (package.json must list exactly these; a test checks).
// Kept apart from the implementation so activation registers them without loading anything else.
//
// Beside each, whether it needs a trusted workspace: commands that change the workspace (its sessions, files,
// .gitignore) or call a provider stay in the palette and the menus in Restricted Mode, and running one says that it
// needs trust (Commands.run) instead of doing anything.
const COMMANDS = {
  'langswarmSessions.createSession': 'needs trust',
  'langswarmSessions.resumeSession': 'reads only',
  'langswarmSessions.pauseSession': 'needs trust',
  'langswarmSessions.completeSession': 'needs trust',
  'langswarmSessions.archiveSession': 'needs trust',
  'langswarmSessions.unarchiveSession': 'needs trust',
  'langswarmSessions.deleteSession': 'needs trust',
  'langswarmSessions.renameSession': 'needs trust',
  'langswarmSessions.editTags': 'needs trust',
  'langswarmSessions.setModelParameters': 'needs trust',
  'langswarmSessions.forkFromHere': 'needs trust',
  'langswarmSessions.editMessage': 'needs trust',
  'langswarmSessions.deleteMessage': 'needs trust',
  'langswarmSessions.copyMessage': 'reads only',
  'langswarmSessions.searchSessions': 'reads only',
  'langswarmSessions.filter': 'reads only',
  'langswarmSessions.clearFilter': 'reads only',
  'langswarmSessions.groupBy': 'reads only',
  'langswarmSessions.refresh': 'reads only',
  'langswarmSessions.showLog': 'reads only',
  'langswarmSessions.showMore': 'reads only',
  'langswarmSessions.openDemo': 'needs trust',
  'langswarmSessions.addToGitignore': 'needs trust',
  'langswarmSessions.sendMessage': 'needs trust',
  'langswarmSessions.replayConversation': 'needs trust',
  'langswarmSessions.testProviderConnection': 'needs trust',
  'langswarmSessions.setApiKey': 'reads only',
  'langswarmSessions.clearApiKey': 'reads only',
  'langswarmSessions.resetContinueChoice': 'reads only',
  'langswarmSessions.importRemoteConversation': 'needs trust',
  'langswarmSessions.migrate': 'needs trust',
  'langswarmSessions.followStores': 'needs trust',
  'langswarmSessions.stopFollowing': 'reads only',
  'langswarmSessions.showFollowedStores': 'reads only',
  'langswarmSessions.exportV1': 'reads only',
  'langswarmSessions.revealSession': 'reads only',
  'langswarmSessions.openHistory': 'reads only',
  'langswarmSessions.dumpSessionState': 'reads only',
  'langswarmSessions.dumpAllSessions': 'reads only',
  'langswarmSessions.exportState': 'reads only',
  'langswarmSessions.salvageDatabase': 'needs trust',
  'langswarmSessions.compareSessions': 'reads only',
  'langswarmSessions.compareWithParent': 'reads only',
  'langswarmSessions.nextDifference': 'reads only',
  'langswarmSessions.previousDifference': 'reads only',
  'langswarmSessions.startOtlpReceiver': 'needs trust',
  'langswarmSessions.stopOtlpReceiver': 'reads only',
  'langswarmSessions.runScenario': 'needs trust',
  'langswarmSessions.debugScenario': 'needs trust',
  'langswarmSessions.saveAsScenario': 'needs trust',
  'langswarmSessions.editRequest': 'needs trust',
} as const satisfies Record<string, 'needs trust' | 'reads only'>;

export type CommandId = keyof typeof COMMANDS;

export const COMMAND_IDS = Object.keys(COMMANDS) as readonly CommandId[];

export const NEEDS_TRUST: ReadonlySet<CommandId> = new Set(COMMAND_IDS.filter((id) => COMMANDS[id] === 'needs trust'));

/** What the user reads when `title` is run in Restricted Mode. */
export function untrustedSentence(title: string): string {
  return `"${title}" needs a trusted workspace. In Restricted Mode LangSwarm Sessions only reads: it changes no session, imports no file and calls no provider.`;
}
