// Rows of SQL values as one byte buffer: how the import's reader thread hands message rows to the store's
// thread. A buffer is transferred, not copied, between threads (a structured clone of the rows as objects
// cost the store's thread about as much as inserting them), and the store binds its text straight from the
// bytes (fast-run.ts), without decoding and encoding it again.
//
// Layout, little-endian: per row a u16 value count, then per value a tag byte: 0 NULL; 1 a number (f64);
// 2 text (u32 byte length, then its UTF-8).
import type { SqlValue } from 'sql.js';

export const ValueTag = { Null: 0, Number: 1, Text: 2 } as const;
export type ValueTag = (typeof ValueTag)[keyof typeof ValueTag];

/** Appends rows; take() hands out what was written and starts again. */
export class RowWriter {
  private bytes = new Uint8Array(256 * 1024);
  private view = new DataView(this.bytes.buffer);
  private at = 0;
  private readonly encoder = new TextEncoder();

  get length(): number {
    return this.at;
  }

  add(values: readonly SqlValue[]): void {
    this.room(2);
    this.view.setUint16(this.at, values.length, true);
    this.at += 2;
    for (const value of values) {
      if (value === null || value === undefined) {
        this.room(1);
        this.bytes[this.at++] = ValueTag.Null;
      } else if (typeof value === 'number') {
        this.room(9);
        this.bytes[this.at] = ValueTag.Number;
        this.view.setFloat64(this.at + 1, value, true);
        this.at += 9;
      } else if (typeof value === 'string') {
        this.room(5 + value.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
        this.bytes[this.at] = ValueTag.Text;
        const { written } = this.encoder.encodeInto(value, this.bytes.subarray(this.at + 5));
        this.view.setUint32(this.at + 1, written, true);
        this.at += 5 + written;
      } else {
        throw new TypeError('encoded rows hold text, numbers and NULL only');
      }
    }
  }

  /** The rows written since the last take, in a buffer of their own (to transfer). */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.at);
    this.at = 0;
    return out;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + bytes));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** Reads rows one at a time; the value it returns is one object, reused. */
export class RowReader {
  /** The current row's bytes: [start, end); its value count. */
  start = 0;
  end = 0;
  count = 0;
  private at = 0;
  private left = 0;
  private readonly view: DataView;
  private readonly value = { tag: ValueTag.Null as ValueTag, number: 0, textStart: 0, textBytes: 0 };

  constructor(private readonly rows: Uint8Array) {
    this.view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
  }

  /** Moves to the next row; false after the last. */
  nextRow(): boolean {
    if (this.end >= this.rows.length) return false;
    this.start = this.end;
    this.count = this.view.getUint16(this.start, true);
    this.at = this.start + 2;
    this.left = this.count;
    let end = this.at;
    for (let i = 0; i < this.count; i++) {
      const tag = this.rows[end];
      end += tag === ValueTag.Number ? 9 : tag === ValueTag.Text ? 5 + this.view.getUint32(end + 1, true) : 1;
    }
    this.end = end;
    return true;
  }

  /** The current row's next value: its tag, and the number or where the text's UTF-8 is in the buffer. */
  nextValue(): Readonly<{ tag: ValueTag; number: number; textStart: number; textBytes: number }> {
    if (this.left-- <= 0) throw new RangeError('no more values in this row');
    const v = this.value;
    v.tag = this.rows[this.at] as ValueTag;
    if (v.tag === ValueTag.Number) {
      v.number = this.view.getFloat64(this.at + 1, true);
      this.at += 9;
    } else if (v.tag === ValueTag.Text) {
      v.textBytes = this.view.getUint32(this.at + 1, true);
      v.textStart = this.at + 5;
      this.at += 5 + v.textBytes;
    } else {
      this.at += 1;
    }
    return v;
  }
}

/** The rows as arrays of values. */
export function decodeRows(rows: Uint8Array): SqlValue[][] {
  const decoder = new TextDecoder();
  const reader = new RowReader(rows);
  const out: SqlValue[][] = [];
  while (reader.nextRow()) {
    const row: SqlValue[] = [];
    for (let i = 0; i < reader.count; i++) {
      const v = reader.nextValue();
      row.push(
        v.tag === ValueTag.Number
          ? v.number
          : v.tag === ValueTag.Text
            ? decoder.decode(rows.subarray(v.textStart, v.textStart + v.textBytes))
            : null,
      );
    }
    out.push(row);
  }
  return out;
}
