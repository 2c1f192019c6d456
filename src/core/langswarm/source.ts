// What a source reader produces: sessions already mapped to the core model, with what the importer
// needs to recognise them again. One reader per format (v1.ts, v2.ts); files.ts detects and opens them.
import type { Message, Session, SessionOrigin } from '../model';

export const SOURCE_FORMATS = [
  'langswarm-v1-sqlite',
  'langswarm-v1-json',
  'langswarm-v2-session',
  'langswarm-v2-memory',
] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/**
 * Formats holding the same documents: a V1 database row and a V1 JSON file are both
 * LangSwarmSession.to_dict(), so a session is the same session in either.
 */
export function formatFamily(format: string): string {
  return format.startsWith('langswarm-v1-') ? 'langswarm-v1' : format;
}

export interface MappedMessage {
  message: Omit<Message, 'id' | 'sessionId' | 'seq'>;
  /** What the full-text index holds for it. */
  search: string;
  /** Fingerprint of the source message as read (also in message.origin.fp). */
  fp: string;
}

export type SessionDraft = Omit<Session, 'id' | 'messageCount' | 'totalTokens' | 'origin'> & { origin: SessionOrigin };

export interface SourceSession {
  format: SourceFormat;
  originalId: string;
  /** Where it is in its file, for reports ("row 3", "orphaned messages"). */
  where: string;
  session: SessionDraft;
  messages: MappedMessage[];
  /** Fingerprint of the session-level source fields (everything but the messages). */
  fieldsHash: string;
  /** The source's own "updated" time, raw: tells which of two versions is newer. */
  sourceUpdatedAt: string | undefined;
  /** What changes whenever the app saves this session (formats that have one): lets a follower skip it next time. */
  marker?: string;
  warnings: string[];
}

export type SourceItem =
  | { kind: 'session'; session: SourceSession }
  /** A row or group that could not be read; the rest of the file goes on. */
  | { kind: 'error'; where: string; originalId?: string; message: string }
  /** A session whose update marker equals the one given in ReadOptions.unchanged: not read again. */
  | { kind: 'unchanged'; originalId: string; marker: string };

export interface OpenedSource {
  format: SourceFormat;
  /** About the file as a whole (e.g. a LangSwarm app was writing it). */
  warnings: string[];
  /** Sessions one at a time, so a large file never has to be held mapped in memory at once. */
  items(): Iterable<SourceItem>;
  close(): void;
}

export interface ReadOptions {
  /** Read naive timestamps as UTC instead of the importing machine's local time. */
  naiveUtc: boolean;
  /** A SQLite file may be read in place (sqlite-file.ts); false: always a copy in memory. */
  inPlace?: boolean;
  /** Update markers (by original id) of sessions read before: those still carrying them are not read again. */
  unchanged?: Readonly<Record<string, string>> | undefined;
}

/**
 * A file read in place changed while it was read (sqlite-file.ts): the item about to be taken may mix two
 * states of it, so it was not taken; what was taken before is one committed state.
 */
export class SourceChanged extends Error {
  constructor(file: string) {
    super(`${file} changed while it was read`);
  }
}
