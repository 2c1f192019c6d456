// The journal file (x.sqlite.journal) as one process follows and extends it: a reader at the end of the
// records it has taken in, reading the rest in bounded chunks; appending a record durably; reading the
// header (the snapshot the journal continues); writing a new journal after a snapshot. What a record
// means, and whether it applies, is DurableDatabase's to decide (see follow() there).
import { CoreError } from '../errors';
import { FileSystem, readRange, statOrUndefined, storageError, writeAll, writeFileAtomic } from './files';
import {
  JOURNAL_HEADER_BYTES,
  ParsedRecords,
  SnapshotInfo,
  decodeJournalHeader,
  encodeJournalHeader,
  parseRecords,
  recordBytesAt,
} from './journal';

/** Journal bytes read at a time when catching up (a record larger than this is read whole). */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;

export type JournalEntry = ParsedRecords['records'][number];

/** What the follower did with a record: took it in (applied or already had it), could not apply it, or must start again from the snapshot. */
export type EntryVerdict = 'next' | 'restart' | { cannotApply: string };

/** Where reading stopped before the end of the file, and why. */
export interface JournalStop {
  at: number;
  reason: string;
}

export class JournalFile {
  private reader: { fd: number; ino: number; offset: number } | undefined;
  private appendFd: { fd: number; ino: number } | undefined;

  constructor(
    private readonly fs: FileSystem,
    readonly path: string,
  ) {}

  /** Whether a reader is open on the journal (from its header on, or where the last read stopped). */
  get following(): boolean {
    return this.reader !== undefined;
  }

  /** The journal file now there, or undefined when there is none. */
  stat(): { size: number; ino: number } | undefined {
    return statOrUndefined(this.fs, this.path);
  }

  /** Whether the journal at `stat` is another file than the one followed (replaced, or cut shorter than what was read). */
  isNew(stat: { size: number; ino: number }): boolean {
    return !this.reader || this.reader.ino !== stat.ino || stat.size < this.reader.offset;
  }

  /** Follows the journal from its first record on; returns its header, or undefined (following nothing) when it has none. */
  followFromStart(ino: number): SnapshotInfo | undefined {
    this.closeReader();
    const fd = this.fs.openSync(this.path, 'r');
    const header = decodeJournalHeader(readRange(this.fs, fd, 0, JOURNAL_HEADER_BYTES));
    if (header === undefined) {
      this.fs.closeSync(fd);
      return undefined;
    }
    this.reader = { fd, ino, offset: JOURNAL_HEADER_BYTES };
    return header;
  }

  /**
   * Hands every record from the reader's position up to `size` to `take`, in order, reading in bounded
   * chunks (a journal arrives with the repository and may be any size); `wantPayload` says which
   * records' statements to decode. The reader moves past each record taken in. Returns 'restart' when
   * `take` said so, where reading stopped at a record that cannot be applied or at damage, or undefined
   * at the end (a record still being written, or torn at the very end, is left for later).
   */
  read(
    size: number,
    wantPayload: (lsn: number) => boolean,
    take: (entry: JournalEntry) => EntryVerdict,
  ): 'restart' | JournalStop | undefined {
    const reader = this.requireReader();
    let stop: JournalStop | undefined;
    while (reader.offset < size && !stop) {
      const start = reader.offset;
      const next = recordBytesAt(readRange(this.fs, reader.fd, reader.offset, Math.min(size, reader.offset + 16)));
      const end = Math.min(size, reader.offset + Math.max(READ_CHUNK_BYTES, next ?? 0));
      const parsed = parseRecords(readRange(this.fs, reader.fd, reader.offset, end), reader.offset, wantPayload);
      for (const entry of parsed.records) {
        const verdict = take(entry);
        if (verdict === 'restart') return 'restart';
        if (verdict !== 'next') {
          stop = { at: entry.offset, reason: verdict.cannotApply };
          break;
        }
        reader.offset = entry.end;
      }
      if (stop) break;
      reader.offset = parsed.goodEnd;
      if (parsed.stop.kind === 'damaged') stop = { at: parsed.goodEnd, reason: parsed.stop.reason };
      if (parsed.stop.kind === 'incomplete') {
        if (end === size) break; // a write in progress, or a torn tail
        // The chunk was sized to hold the next record whole, so more file after it means damage.
        if (parsed.goodEnd === start) stop = { at: start, reason: 'a record cut short before the end of the file' };
      }
    }
    return stop;
  }

  /** Appends `record` after the last record read and makes it durable (fdatasync) before returning. */
  append(record: Buffer): void {
    const reader = this.requireReader();
    if (!this.appendFd || this.appendFd.ino !== reader.ino) {
      if (this.appendFd) this.fs.closeSync(this.appendFd.fd);
      this.appendFd = { fd: this.fs.openSync(this.path, 'r+'), ino: reader.ino };
    }
    const fd = this.appendFd.fd;
    const at = reader.offset;
    try {
      // Bytes past the last good record were never acknowledged (a crashed writer): drop them first.
      if (this.fs.fstatSync(fd).size !== at) this.fs.ftruncateSync(fd, at);
      writeAll(this.fs, fd, record, at);
      this.fs.fdatasyncSync(fd);
    } catch (e) {
      try {
        this.fs.ftruncateSync(fd, at);
      } catch {
        /* the next writer truncates it; readers stop there */
      }
      throw storageError('save the change to the journal', e);
    }
    reader.offset = at + record.length;
  }

  /** The header of the journal file, or undefined when there is none or it has none. */
  readHeader(): SnapshotInfo | undefined {
    let fd: number;
    try {
      fd = this.fs.openSync(this.path, 'r');
    } catch {
      return undefined;
    }
    try {
      return decodeJournalHeader(readRange(this.fs, fd, 0, JOURNAL_HEADER_BYTES));
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Replaces the journal (atomically) with one continuing `snapshot`, holding `records`; follows nothing after. */
  create(snapshot: SnapshotInfo, records: Buffer[]): void {
    writeFileAtomic(this.fs, this.path, [encodeJournalHeader(snapshot), ...records]);
    this.closeReader();
  }

  /** Raw bytes of the records with lsn > `after`, to carry into a rewritten journal. */
  recordsAfter(after: number): Buffer[] {
    const size = statOrUndefined(this.fs, this.path)?.size;
    if (!size) return [];
    const fd = this.fs.openSync(this.path, 'r');
    try {
      const buf = readRange(this.fs, fd, 0, size);
      if (decodeJournalHeader(buf) === undefined) return [];
      const parsed = parseRecords(buf.subarray(JOURNAL_HEADER_BYTES), JOURNAL_HEADER_BYTES, () => false);
      const first = parsed.records.find((r) => r.lsn > after);
      return first ? [buf.subarray(first.offset, parsed.goodEnd)] : [];
    } finally {
      this.fs.closeSync(fd);
    }
  }

  closeReader(): void {
    if (this.reader) this.fs.closeSync(this.reader.fd);
    this.reader = undefined;
  }

  close(): void {
    this.closeReader();
    if (this.appendFd) this.fs.closeSync(this.appendFd.fd);
    this.appendFd = undefined;
  }

  private requireReader(): NonNullable<JournalFile['reader']> {
    if (!this.reader) throw new CoreError('StorageError', `Could not open ${this.path}.`);
    return this.reader;
  }
}
