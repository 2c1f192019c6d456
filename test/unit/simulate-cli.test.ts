// `simulate` in the built CLI (dist/cli.js), in real processes keyed to the local wire-protocol servers:
// exit codes (0 passed, 1 an assertion failed, 2 an error), --json, --junit (parsed back), a matrix of two
// models, and --repeat pass rates.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, cliAsync } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';
import { MockProviders } from '../mock-providers/server';

// xml2js has no bundled types; this is the one call the test makes.
const { parseStringPromise } = require('xml2js') as {
  parseStringPromise(xml: string, options: { strict: boolean }): Promise<any>;
};

const SCENARIO = `name: weather
provider: openai
model: gpt-test
tools:
  - name: get_weather
    parameters: {type: object, properties: {city: {type: string}}}
    result: {sky: sunny}
turns:
  - user: weather?
    expect:
      - tool_called: get_weather
      - contains: sunny
  - user: thanks
    expect:
      - regex: "^You're welcome"
`;

describe('CLI simulate', function () {
  this.timeout(60_000);
  const mock = new MockProviders();
  let db: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => cliAsync(['simulate', ...args, '--db', db], { env });
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const passing = () =>
    mock.script(
      'openai',
      { toolCalls: [{ name: 'get_weather', args: { city: 'Lisbon' } }] },
      { text: 'It is sunny.' },
      { text: "You're welcome!" },
    );

  before(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
    await mock.start();
  });
  after(() => mock.stop());
  beforeEach(() => {
    mock.reset();
    db = tempDb();
    dir = tempDir();
    env = {
      OPENAI_API_KEY: mock.keys.openai,
      ANTHROPIC_API_KEY: mock.keys.anthropic,
      GEMINI_API_KEY: undefined,
      GOOGLE_API_KEY: undefined,
      LANGSWARM_OPENAI_BASE_URL: `${mock.url}/v1`,
      LANGSWARM_ANTHROPIC_BASE_URL: mock.url,
    };
  });

  it('exits 0 when every assertion passes, and --json gives each turn’s assertions', async () => {
    passing();
    const r = await run(file('w.sim.yaml', SCENARIO), '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const [s] = report.scenarios;
    assert.deepEqual(
      [s.name, s.passed, s.file.endsWith('w.sim.yaml'), typeof s.sessionId],
      ['weather', true, true, 'string'],
    );
    assert.deepEqual(
      s.turns.map((t: { index: number; assertions: Array<{ kind: string; passed: boolean }> }) => [
        t.index,
        t.assertions.map((a) => `${a.kind}:${a.passed}`),
      ]),
      [
        [1, ['tool_called:true', 'contains:true']],
        [2, ['regex:true']],
      ],
    );
    // The run is a session in the database, tagged.
    const list = await cliAsync(['list', '--tag', 'simulation', '--json', '--db', db]);
    assert.deepEqual(
      JSON.parse(list.stdout).sessions.map((x: { id: string }) => x.id),
      [s.sessionId],
    );
  });

  it('exits 1 when an assertion fails, and writes JUnit XML that parses back with one case per assertion', async () => {
    mock.script('openai', { text: 'It is cloudy.' }, { text: 'Bye <&>' });
    const junit = path.join(dir, 'report.xml');
    const r = await run(file('w.sim.yaml', SCENARIO), '--junit', junit);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^FAIL {2}weather {2}\[openai\/gpt-test\]/m);
    assert.match(r.stdout, /^ {2}FAIL {2}turn 2 {2}regex: The reply does not match/m);
    const xml = await parseStringPromise(fs.readFileSync(junit, 'utf8'), { strict: true });
    const suite = xml.testsuites.testsuite[0];
    assert.deepEqual(suite.$.name, 'weather [openai/gpt-test]');
    assert.deepEqual(
      suite.testcase.map((c: { $: { name: string }; failure?: unknown[] }) => [c.$.name, Boolean(c.failure)]),
      [
        ['turn 1 #1 tool_called', true],
        ['turn 1 #2 contains', true],
        ['turn 2 #1 regex', true],
      ],
    );
    assert.match(suite.testcase[2].failure[0]._, /actual: Bye <&>/);
  });

  it('exits 2 on a bad file, naming the place, and on a provider failure', async () => {
    const bad = await run(file('bad.sim.yaml', 'name: x\nprovider: openai\nmodel: m\nturns:\n  - usr: hi\n'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.sim\.yaml:5:5: turns\.0\.usr: Unrecognized key/);
    mock.script('openai', { error: { status: 401, body: { error: { message: 'no', type: 'invalid_api_key' } } } });
    const failed = await run(file('w.sim.yaml', SCENARIO));
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /The simulation stopped at turn 1/);
    assert.equal((await run('--repeat', '0', file('w.sim.yaml', SCENARIO))).code, 2);
    assert.equal((await run('--provider', 'openai', file('w.sim.yaml', SCENARIO))).code, 2);
  });

  it('runs a matrix of two models, one run each', async () => {
    passing();
    mock.script('anthropic', { text: 'sunny' }, { text: 'Bye' });
    const r = await run(
      file('w.sim.yaml', SCENARIO),
      '--provider',
      'openai',
      '--model',
      'gpt-test',
      '--provider',
      'anthropic',
      '--model',
      'claude-test',
      '--json',
    );
    assert.equal(r.code, 1, r.stderr);
    const runs = JSON.parse(r.stdout).scenarios;
    assert.deepEqual(
      runs.map((s: { provider: string; model: string; passed: boolean }) => [s.provider, s.model, s.passed]),
      [
        ['openai', 'gpt-test', true],
        ['anthropic', 'claude-test', false],
      ],
    );
    assert.equal(runs[0].runId, runs[1].runId);
    assert.notEqual(runs[0].sessionId, runs[1].sessionId);
  });

  it('--repeat reports how often each assertion passed', async () => {
    passing();
    mock.script('openai', { text: 'cloudy' }, { text: "You're welcome." });
    const r = await run(file('w.sim.yaml', SCENARIO), '--repeat', '2');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^1\/2 {2}weather \[openai\/gpt-test\] {2}turn 1 #2 contains$/m);
    assert.match(r.stdout, /^2\/2 {2}weather \[openai\/gpt-test\] {2}turn 2 #1 regex$/m);
  });
});
