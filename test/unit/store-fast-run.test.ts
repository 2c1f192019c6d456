// Statements run through fast-run.ts store exactly what sql.js's own run() stores, and fail the same way.
import { strict as assert } from 'node:assert';
import type { Database, SqlValue, Statement } from 'sql.js';
import { RowWriter, decodeRows } from '../../src/core/store/encoded-rows';
import { rowsRunner, statementRunner } from '../../src/core/store/fast-run';
import { MessageBody, messageBodyRow, messageOfBodyRow } from '../../src/core/store/rows';
import { loadSqlJs } from '../../src/core/store/sqljs';

/** Counts how often the statement fell back to sql.js's own run(). */
function counted(stmt: Statement): { stmt: Statement; fallbacks: () => number } {
  let n = 0;
  const own = stmt.run.bind(stmt);
  stmt.run = (params) => {
    n += 1;
    return own(params);
  };
  return { stmt, fallbacks: () => n };
}

const stored = (db: Database, table: string) =>
  db.exec(`SELECT typeof(v), quote(v) FROM ${table} ORDER BY rowid`)[0]?.values ?? [];

const VALUES: SqlValue[] = [
  '',
  'plain',
  'héllo wörld',
  '日本語のテキスト',
  '👩‍👩‍👧 family',
  'a\u0000b',
  `${'x'.repeat(300_000)}é`,
  0,
  -0,
  1,
  -1,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  1.5,
  -1e300,
  NaN,
  Infinity,
  null,
];

describe('store: statements bound without sql.js binding cost', () => {
  let db: Database;
  let run: ReturnType<typeof statementRunner>;
  beforeEach(async () => {
    const SQL = await loadSqlJs();
    db = new SQL.Database();
    db.run('CREATE TABLE fast (v); CREATE TABLE own (v); CREATE TABLE pair (k TEXT UNIQUE, a, b)');
    run = statementRunner(SQL);
  });
  afterEach(() => db.close());

  it('stores every kind of value exactly as sql.js does, without falling back', () => {
    const values = VALUES;
    const { stmt, fallbacks } = counted(db.prepare('INSERT INTO fast VALUES (?)'));
    const own = db.prepare('INSERT INTO own VALUES (?)');
    for (const v of values) {
      run(stmt, [v]);
      own.run([v]);
    }
    assert.equal(fallbacks(), 0, 'the fast path was taken');
    assert.equal(stored(db, 'fast').length, values.length);
    assert.deepEqual(stored(db, 'fast'), stored(db, 'own'));
    stmt.free();
    own.free();
  });

  it('stores a lone surrogate as U+FFFD, valid UTF-8', () => {
    const stmt = db.prepare('INSERT INTO fast VALUES (?)');
    run(stmt, ['a\ud800b']);
    assert.deepEqual(db.exec('SELECT v, hex(v) FROM fast')[0]!.values, [['a\ufffdb', '61EFBFBD62']]);
    stmt.free();
  });

  it('leaves parameters not given NULL, as sql.js does, even after a run that bound them', () => {
    const stmt = db.prepare('INSERT INTO pair VALUES (?, ?, ?)');
    run(stmt, ['first', 'a', 'b']);
    run(stmt, ['second']);
    assert.deepEqual(db.exec('SELECT k, a, b FROM pair ORDER BY rowid')[0]!.values, [
      ['first', 'a', 'b'],
      ['second', null, null],
    ]);
    stmt.free();
  });

  it("fails with sql.js's own error and changes nothing: constraint, too many values", () => {
    const stmt = db.prepare('INSERT INTO pair VALUES (?, ?, ?)');
    run(stmt, ['k', 1, 2]);
    assert.throws(() => run(stmt, ['k', 3, 4]), /UNIQUE constraint failed: pair\.k/);
    assert.throws(() => run(stmt, ['j', 1, 2, 3]), /column index out of range/);
    assert.deepEqual(db.exec('SELECT k, a, b FROM pair')[0]!.values, [['k', 1, 2]]);
    run(stmt, ['j', 5, 6]); // still usable
    assert.equal(db.exec('SELECT count(*) FROM pair')[0]!.values[0]![0], 2);
    stmt.free();
  });

  it('runs named parameters and blobs through sql.js', () => {
    const named = counted(db.prepare('INSERT INTO pair VALUES ($k, $a, $b)'));
    run(named.stmt, { $k: 'n', $a: 'x', $b: null });
    const blob = counted(db.prepare('INSERT INTO fast VALUES (?)'));
    run(blob.stmt, [new Uint8Array([1, 2, 3])]);
    assert.equal(named.fallbacks() + blob.fallbacks(), 2);
    assert.deepEqual(db.exec('SELECT k, a, b FROM pair')[0]!.values, [['n', 'x', null]]);
    assert.deepEqual(db.exec('SELECT hex(v) FROM fast')[0]!.values, [['010203']]);
    named.stmt.free();
    blob.stmt.free();
  });
});

describe('store: rows encoded by the import reader, bound from their bytes', () => {
  let db: Database;
  let runRows: ReturnType<typeof rowsRunner>;
  beforeEach(async () => {
    const SQL = await loadSqlJs();
    db = new SQL.Database();
    db.run('CREATE TABLE fast (k, v); CREATE TABLE own (k, v); CREATE TABLE pair (k TEXT UNIQUE, a, b)');
    runRows = rowsRunner(SQL);
  });
  afterEach(() => db.close());

  const encode = (rows: SqlValue[][]) => {
    const writer = new RowWriter();
    for (const row of rows) writer.add(row);
    return writer.take();
  };

  it('stores every kind of value exactly as sql.js does, after the lead values, without falling back', () => {
    const rows = encode(VALUES.map((v) => [v]));
    assert.deepEqual(
      decodeRows(rows).map(([v]) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)),
      VALUES.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)),
      'decoded as written',
    );
    const { stmt, fallbacks } = counted(db.prepare('INSERT INTO fast VALUES (?, ?)'));
    assert.equal(
      runRows(stmt, (i) => [`row ${i}`], rows),
      VALUES.length,
    );
    const own = db.prepare('INSERT INTO own VALUES (?, ?)');
    for (const [i, v] of VALUES.entries()) own.run([`row ${i}`, v]);
    assert.equal(fallbacks(), 0, 'the fast path was taken');
    const both = (table: string) =>
      db.exec(`SELECT typeof(k), k, typeof(v), quote(v) FROM ${table} ORDER BY rowid`)[0]!.values;
    assert.deepEqual(both('fast'), both('own'));
    stmt.free();
    own.free();
  });

  it("reports a failing row with sql.js's own error; the rows before it stay and the statement stays usable", () => {
    const stmt = db.prepare('INSERT INTO pair VALUES (?, ?, ?)');
    const rows = encode([
      ['a', 1, 'x'],
      ['b', 2, 'y'],
      ['a', 3, 'z'],
    ]);
    assert.throws(() => runRows(stmt, () => [], rows), /UNIQUE constraint failed: pair\.k/);
    assert.deepEqual(db.exec('SELECT k, a, b FROM pair ORDER BY rowid')[0]!.values, [
      ['a', 1, 'x'],
      ['b', 2, 'y'],
    ]);
    runRows(stmt, () => ['c'], encode([[4, 'w']]));
    assert.deepEqual(db.exec(`SELECT a, b FROM pair WHERE k = 'c'`)[0]!.values, [[4, 'w']]);
    stmt.free();
  });

  it('gives back the message a row holds: its row made again is the same', () => {
    const messages: Array<[MessageBody, string]> = [
      [
        {
          role: 'user',
          parts: [{ type: 'text', text: 'hello' }],
          createdAt: '2025-07-01T10:00:00.000Z',
          state: 'complete',
          metadata: {},
          revision: 0,
        },
        'hello',
      ],
      [
        {
          role: 'assistant',
          parts: [
            { type: 'text', text: 'calling ☂' },
            { type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: '{"city": "Köln"}' },
          ],
          createdAt: '2025-07-01T10:00:01.000Z',
          createdAtRaw: '2025-07-01T10:00:01',
          state: 'complete',
          metadata: { finish_reason: 'tool_calls', nested: { a: [1, null, 'x'] } },
          revision: 0,
          usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
          stopReason: 'tool_use',
          provider: { name: 'openai', model: 'gpt-4o' },
          providerIds: { responseId: 'chatcmpl-1' },
          origin: { id: 'msg_1', fp: 'abc', keys: ['id', 'role'] },
        },
        'calling ☂',
      ],
    ];
    for (const [message, search] of messages) {
      const row = messageBodyRow(message, search);
      const back = messageOfBodyRow(row);
      assert.equal(back.search, search);
      assert.deepEqual(messageBodyRow(back.message, back.search), row);
      assert.deepEqual(back.message, message);
    }
  });
});
