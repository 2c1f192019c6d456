// The append-only journal beside the database file: one checksummed record per acknowledged change.
//
//   file   := header record*
//   header := MAGIC(8) | f64le snapshotLsn | u32le snapshotCrc32 | u32le 0 | f64le snapshotSize | 0(8)
//             (describes the snapshot written with this journal: its sequence number and checksum)
//   record := u32le payloadLength | u32le crc32(lsn bytes + payload) | f64le lsn | payload (UTF-8 JSON)
//
// A record is the list of SQL statements (with their parameters) one write executed, so replaying it
// on the snapshot it was written against reproduces the write exactly, in every process.
import { crc32 } from 'node:zlib';
import type { SqlValue } from 'sql.js';

const MAGIC = Buffer.from('LSJRNL1\n', 'latin1');
export const JOURNAL_HEADER_BYTES = 40;
const HEADER = 16;
/** A single record above this is refused when writing and treated as damage when reading. */
export const MAX_RECORD_BYTES = 1 << 30;

export type Statement = [sql: string, params: SqlValue[] | Record<string, SqlValue> | null];

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
  if (payload.length > MAX_RECORD_BYTES) throw new RangeError(`a single change of ${payload.length} bytes is too large to store`);
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
    if (buf.length - pos < HEADER) { stop = { kind: 'incomplete' }; break; }
    const length = buf.readUInt32LE(pos);
    if (length > MAX_RECORD_BYTES) {
      stop = buf.subarray(pos).every((b) => b === 0) ? { kind: 'incomplete' } : { kind: 'damaged', reason: `record length ${length} is impossible` };
      break;
    }
    if (buf.length - pos - HEADER < length) { stop = { kind: 'incomplete' }; break; }
    const lsn = buf.readDoubleLE(pos + 8);
    const body = buf.subarray(pos + 8, pos + HEADER + length);
    if (crc32(body) !== buf.readUInt32LE(pos + 4)) {
      // A bad last record (or zeros to the end) is what a crash mid-append leaves: a torn tail.
      const torn = pos + HEADER + length === buf.length || buf.subarray(pos).every((b) => b === 0);
      stop = torn ? { kind: 'incomplete' } : { kind: 'damaged', reason: 'checksum mismatch' };
      break;
    }
    if (!Number.isSafeInteger(lsn) || lsn < 1) { stop = { kind: 'damaged', reason: `bad sequence number ${lsn}` }; break; }
    let record: JournalRecord = { lsn, schema: 0, statements: [], changes: [] };
    if (wantPayload(lsn)) {
      try {
        const json = JSON.parse(body.subarray(8).toString('utf8')) as { v: number; s: Statement[]; c: Change[] };
        record = { lsn, schema: json.v, statements: json.s, changes: json.c ?? [] };
      } catch (e) {
        stop = { kind: 'damaged', reason: `unreadable record: ${(e as Error).message}` };
        break;
      }
    }
    const offset = base + pos;
    pos += HEADER + length;
    records.push({ ...record, offset, end: base + pos });
  }
  return { records, goodEnd: base + pos, stop };
}

/** The snapshot a journal continues: its sequence number, and (when known, size > 0) its checksum. */
export interface SnapshotInfo { lsn: number; crc: number; size: number }

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
  if (!Number.isSafeInteger(lsn) || lsn < 0 || !Number.isSafeInteger(size) || size < 0) return undefined;
  return { lsn, crc: buf.readUInt32LE(16), size };
}

export function snapshotInfo(lsn: number, bytes: Uint8Array): SnapshotInfo {
  return { lsn, crc: crc32(bytes), size: bytes.length };
}
