// The append-only journal beside the database file: one checksummed record per acknowledged change.
//
//   file   := header record*
//   header := MAGIC(8) | f64le snapshotLsn | u32le snapshotCrc32 | u32le 0 | f64le snapshotSize | 0(8)
//             (describes the snapshot written with this journal: its sequence number and checksum)
//   record := u32le payloadLength | u32le crc32(lsn bytes + payload) | f64le lsn | payload (UTF-8 JSON)
//
// A record lists the statements one write executed, each by its name in the store's fixed catalogue
// with its parameters, so replaying it on the snapshot it was written against reproduces the write
// exactly, in every process. The file comes with a cloned repository, so it is untrusted: it names
// statements, it never carries SQL, and everything read from it is checked before use.
import { crc32 } from 'node:zlib';
import type { SqlValue } from 'sql.js';

const MAGIC = Buffer.from('LSJRNL1\n', 'latin1');
export const JOURNAL_HEADER_BYTES = 40;
const HEADER = 16;
/**
 * A single record above this is refused when writing and treated as damage when reading; it bounds
 * the memory a hostile journal can make a reader allocate. The largest honest record, a message at
 * the session manager's 16 MiB limit, stays well below it.
 */
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;
/** Change numbers stay far below 2^53, so `lsn + 1` is always exact. */
export const MAX_LSN = 2 ** 48;

/** One executed statement: its catalogue name and its positional parameters. */
export type Statement = [name: string, params: SqlValue[]];

/** What a write changed, for listeners in this and other processes (no SQL knowledge needed). */
export interface Change {
  kind: string;
  sessionId?: string;
  messageIds?: string[];
}

export interface JournalRecord {
  lsn: number;
  /** Schema version the statements were written for. */
  schema: number;
  statements: Statement[];
  changes: Change[];
}

export function encodeRecord(record: JournalRecord): Buffer {
  const payload = Buffer.from(JSON.stringify({ v: record.schema, s: record.statements, c: record.changes }), 'utf8');
  if (payload.length > MAX_RECORD_BYTES)
    throw new RangeError(`a single change of ${payload.length} bytes is too large to store`);
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeDoubleLE(record.lsn, 8);
  payload.copy(out, HEADER);
  out.writeUInt32LE(crc32(out.subarray(8)), 4);
  return out;
}

export type ParseStop =
  | { kind: 'end' }
  /** Fewer bytes than a whole record: a write in progress, or a torn write left by a crash. */
  | { kind: 'incomplete' }
  /** A whole record whose checksum or content is wrong: damage (or a torn write at the very end). */
  | { kind: 'damaged'; reason: string };

export interface ParsedRecords {
  records: Array<JournalRecord & { offset: number; end: number }>;
  /** Offset just past the last good record. */
  goodEnd: number;
  stop: ParseStop;
}

/** Parses the records in `buf`, which starts at file offset `base`. */
export function parseRecords(buf: Buffer, base: number, wantPayload: (lsn: number) => boolean): ParsedRecords {
  const records: ParsedRecords['records'] = [];
  let pos = 0;
  let stop: ParseStop = { kind: 'end' };
  while (pos < buf.length) {
    if (buf.length - pos < HEADER) {
      stop = { kind: 'incomplete' };
      break;
    }
    const length = buf.readUInt32LE(pos);
    if (length > MAX_RECORD_BYTES) {
      stop = buf.subarray(pos).every((b) => b === 0)
        ? { kind: 'incomplete' }
        : { kind: 'damaged', reason: `record length ${length} is impossible` };
      break;
    }
    if (buf.length - pos - HEADER < length) {
      stop = { kind: 'incomplete' };
      break;
    }
    const lsn = buf.readDoubleLE(pos + 8);
    const body = buf.subarray(pos + 8, pos + HEADER + length);
    if (crc32(body) !== buf.readUInt32LE(pos + 4)) {
      // A bad last record (or zeros to the end) is what a crash mid-append leaves: a torn tail.
      const torn = pos + HEADER + length === buf.length || buf.subarray(pos).every((b) => b === 0);
      stop = torn ? { kind: 'incomplete' } : { kind: 'damaged', reason: 'checksum mismatch' };
      break;
    }
    if (!Number.isSafeInteger(lsn) || lsn < 1 || lsn > MAX_LSN) {
      stop = { kind: 'damaged', reason: `bad sequence number ${lsn}` };
      break;
    }
    let record: JournalRecord = { lsn, schema: 0, statements: [], changes: [] };
    if (wantPayload(lsn)) {
      const decoded = decodePayload(body.subarray(8));
      if (typeof decoded === 'string') {
        stop = { kind: 'damaged', reason: `unreadable record: ${decoded}` };
        break;
      }
      record = { lsn, ...decoded };
    }
    const offset = base + pos;
    pos += HEADER + length;
    records.push({ ...record, offset, end: base + pos });
  }
  return { records, goodEnd: base + pos, stop };
}

/** Checks a record's JSON shape; returns a reason when it is not one this code wrote. */
function decodePayload(bytes: Buffer): Omit<JournalRecord, 'lsn'> | string {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return (e as Error).message;
  }
  const { v, s, c } = (json ?? {}) as { v?: unknown; s?: unknown; c?: unknown };
  if (!Number.isSafeInteger(v) || (v as number) < 0) return 'no schema version';
  if (!Array.isArray(s) || !s.every(isStatement)) return 'statements are not [name, parameters] pairs';
  const changes = Array.isArray(c) ? c.filter(isChange) : [];
  // Journals written before the catalogue have null for "no parameters".
  return { schema: v as number, statements: s.map(([name, params]) => [name, params ?? []]), changes };
}

const isSqlValue = (v: unknown): boolean =>
  v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

function isStatement(x: unknown): x is [string, Statement[1] | null] {
  return (
    Array.isArray(x) &&
    x.length === 2 &&
    typeof x[0] === 'string' &&
    (x[1] === null || (Array.isArray(x[1]) && x[1].every(isSqlValue)))
  );
}

function isChange(x: unknown): x is Change {
  const c = x as Partial<Change> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.kind === 'string' &&
    (c.sessionId === undefined || typeof c.sessionId === 'string') &&
    (c.messageIds === undefined || (Array.isArray(c.messageIds) && c.messageIds.every((id) => typeof id === 'string')))
  );
}

/** The length of the record starting at `buf[0]`, when its header is readable (to read it whole). */
export function recordBytesAt(buf: Buffer): number | undefined {
  if (buf.length < HEADER) return undefined;
  const length = buf.readUInt32LE(0);
  return length > MAX_RECORD_BYTES ? undefined : HEADER + length;
}

/** The snapshot a journal continues: its sequence number, and (when known, size > 0) its checksum. */
export interface SnapshotInfo {
  lsn: number;
  crc: number;
  size: number;
}

export function encodeJournalHeader(info: SnapshotInfo): Buffer {
  const out = Buffer.alloc(JOURNAL_HEADER_BYTES);
  MAGIC.copy(out, 0);
  out.writeDoubleLE(info.lsn, 8);
  out.writeUInt32LE(info.crc >>> 0, 16);
  out.writeDoubleLE(info.size, 24);
  return out;
}

/** Reads a journal header, or undefined when `buf` does not start with one. */
export function decodeJournalHeader(buf: Buffer): SnapshotInfo | undefined {
  if (buf.length < JOURNAL_HEADER_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const lsn = buf.readDoubleLE(8);
  const size = buf.readDoubleLE(24);
  if (!Number.isSafeInteger(lsn) || lsn < 0 || lsn > MAX_LSN || !Number.isSafeInteger(size) || size < 0)
    return undefined;
  return { lsn, crc: buf.readUInt32LE(16), size };
}

export function snapshotInfo(lsn: number, bytes: Uint8Array): SnapshotInfo {
  return { lsn, crc: crc32(bytes), size: bytes.length };
}
