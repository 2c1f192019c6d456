// store/sqljs.ts fileInPlace: a file read where it is, as sql.js's file system reads its database file.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileInPlace } from '../../src/core/store/sqljs';
import { tempDir } from '../helpers/temp';

describe('a file read in place', () => {
  it('gives the bytes of any range: pages in order, out of order, across its read-ahead, larger than it, at the end', () => {
    const file = path.join(tempDir(), 'data.bin');
    const bytes = randomBytes(1024 * 1024 + 1000);
    fs.writeFileSync(file, bytes);
    const fd = fs.openSync(file, 'r');
    try {
      const f = fileInPlace(fd, bytes.length);
      assert.equal(f.length, bytes.length);
      assert.equal(f.slice(0, bytes.length), f, 'the file system keeps the object itself, not a copy');
      const ranges: Array<[number, number]> = [];
      for (let at = 0; at < 600 * 1024; at += 4096) ranges.push([at, at + 4096]); // in order, past the read-ahead
      ranges.push([900_000, 904_096], [4096, 8192], [255 * 1024, 257 * 1024], [10, 400 * 1024]);
      ranges.push([bytes.length - 500, bytes.length + 3000], [bytes.length - 4096, bytes.length]);
      for (let i = 0; i < 200; i++) {
        const at = Math.floor(Math.random() * bytes.length);
        ranges.push([at, at + 1 + Math.floor(Math.random() * 9000)]);
      }
      for (const [start, end] of ranges)
        assert.ok(
          Buffer.from(f.subarray(start, end)).equals(bytes.subarray(start, Math.min(end, bytes.length))),
          `${start}..${end}`,
        );
      assert.throws(() => f.set([1], 0), /read in place: it cannot be written/);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('reads zeros where the file was cut short meanwhile, not bytes read before', () => {
    const file = path.join(tempDir(), 'data.bin');
    const bytes = randomBytes(600 * 1024);
    fs.writeFileSync(file, bytes);
    const fd = fs.openSync(file, 'r');
    try {
      const f = fileInPlace(fd, bytes.length);
      assert.ok(Buffer.from(f.subarray(0, 4096)).equals(bytes.subarray(0, 4096))); // and reads ahead 256 KB
      fs.truncateSync(file, 300 * 1024);
      assert.ok(Buffer.from(f.subarray(400 * 1024, 404 * 1024)).equals(Buffer.alloc(4096)));
    } finally {
      fs.closeSync(fd);
    }
  });
});
