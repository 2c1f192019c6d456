// The migrate and export-v1 commands as scripts use them: the built dist/cli.js in real processes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MigrateReport } from '../../src/core/langswarm';
import { READ_AHEAD_FROM_BYTES } from '../../src/core/langswarm/importer';
import { CLI, cli } from '../helpers/cli';
import { FIXTURES, copyFixture, generateV1Docs, writeV1Db } from '../helpers/langswarm';
import { tempDb, tempDir } from '../helpers/temp';

describe('CLI: migrate and export-v1', function () {
  this.timeout(120_000);
  let db: string;
  const run = (...args: string[]) => cli([...args, '--db', db]);

  before(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    db = tempDb();
  });

  it('imports files and folders, reports per file, and exports V1 byte for byte to stdout or a file', () => {
    const r = run('migrate', path.join(FIXTURES, 'v1/json'), path.join(FIXTURES, 'v1/langswarm_sessions.db'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /session_5f0c2a9e\.json {2}\[langswarm-v1-json\] {2}1 new, 0 updated, 0 unchanged, 0 conflict, 0 failed; 6 messages/,
    );
    assert.match(r.stdout, /langswarm_sessions\.db {2}\[langswarm-v1-sqlite\] {2}0 new, 0 updated, 6 unchanged/);
    assert.match(
      r.stdout,
      /Imported 2,017 messages: 6 new, 0 updated, 6 unchanged, 0 conflicts, 0 failed sessions; 7 files, 0 unreadable/,
    );
    const list = JSON.parse(run('list', '--json').stdout) as { sessions: Array<{ id: string; title: string }> };
    const id = list.sessions.find((s) => s.title === 'session_e2c94f71')!.id;
    const source = fs.readFileSync(path.join(FIXTURES, 'v1/json/session_e2c94f71.json'), 'utf8');
    const exported = run('export-v1', id);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, source);
    const out = path.join(tempDir(), 'out.json');
    assert.equal(run('export-v1', id, '--out', out).code, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), source);
  });

  it('imports a store large enough to be read in its own thread (the bundled reader), whole and searchable', async () => {
    const big = path.join(tempDir(), 'langswarm_sessions.db');
    await writeV1Db(big, generateV1Docs(300, 9_000, 7));
    assert.ok(fs.statSync(big).size >= READ_AHEAD_FROM_BYTES, 'read ahead');
    const r = run('migrate', big, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warning: the reader thread started');
    const report = JSON.parse(r.stdout) as MigrateReport;
    assert.deepEqual([report.totals.imported, report.totals.messagesImported], [300, 9_000]);
    assert.ok(JSON.parse(run('search', 'weather', '--json').stdout).total > 0);
  });

  it('prints the report as JSON and exits 1 when a file failed, importing the rest', () => {
    const bad = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(bad, '{"hello": "world"}');
    const r = run('migrate', bad, copyFixture('v1/json/session_0d3f8b52.json'), '--json');
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as MigrateReport;
    assert.deepEqual([report.totals.imported, report.totals.filesFailed], [1, 1]);
    assert.match(report.files[0]!.errors[0]!.message, /not a LangSwarm V1 session/);
    assert.equal(JSON.parse(run('list', '--json').stdout).total, 1);
  });

  it('does nothing on --dry-run, and reads naive times as UTC with --naive-utc', () => {
    const source = path.join(FIXTURES, 'v1/langswarm_sessions.db');
    const dry = run('migrate', source, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Dry run: nothing was changed/);
    assert.match(dry.stdout, /Would import 2,017 messages: 6 new/);
    assert.equal(JSON.parse(run('list', '--json').stdout).total, 0);
    assert.equal(run('migrate', source, '--naive-utc').code, 0);
    const list = JSON.parse(run('list', '--json').stdout) as { sessions: Array<{ title: string; createdAt: string }> };
    assert.equal(list.sessions.find((s) => s.title === 'session_5f0c2a9e')?.createdAt, '2025-07-08T09:14:59.123Z');
  });

  it('says what is missing', () => {
    const r = run('migrate');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Missing SOURCE/);
    assert.match(run('export-v1', 'nope').stderr, /No database at .*sessions\.sqlite/);
    assert.equal(fs.existsSync(db), false, 'a command that reads never creates the database');
  });
});
