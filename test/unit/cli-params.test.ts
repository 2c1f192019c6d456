// `params` through the built CLI (dist/cli.js): shows, sets (--set, --file, stdin), clears a session's model
// parameters; a bad value or file is refused with a sentence and changes nothing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionManager } from '../../src/core/sessions';
import { cli } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('CLI params', function () {
  this.timeout(60_000);
  let db: string;
  let id: string;
  const run = (args: string[], input?: string) => cli([...args, '--db', db], input === undefined ? {} : { input });
  const ok = (args: string[], input?: string) => {
    const r = run(args, input);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const stored = async () => {
    const m = await SessionManager.open(db);
    try {
      return m.get(id).parameters;
    } finally {
      await m.close();
    }
  };

  beforeEach(async () => {
    db = tempDb();
    const m = await SessionManager.open(db);
    id = (await m.create({ provider: 'openai', model: 'gpt-4o' })).id;
    await m.close();
  });

  it('shows none, sets some with --set, and prints them compactly or as JSON', async () => {
    assert.match(ok(['params', id]), /no model parameters set/);
    assert.equal(
      ok(['params', id, '--set', 'effort=high', '--set', 'summary=auto', '--set', 'temperature=0.2']).trim(),
      'effort high (summary auto) · temp 0.2',
    );
    assert.equal(
      ok(['params', id, '--set', 'max-tokens=2000', '--set', 'temperature=']).trim(),
      'effort high (summary auto) · max 2000 tokens',
    );
    assert.deepEqual(JSON.parse(ok(['params', id, '--json'])), {
      reasoning: { effort: 'high', summary: 'auto' },
      maxOutputTokens: 2000,
    });
    assert.deepEqual(await stored(), { reasoning: { effort: 'high', summary: 'auto' }, maxOutputTokens: 2000 });
  });

  it('--file replaces them all (tools included), - reads standard input, --clear removes them', async () => {
    const file = path.join(tempDir(), 'params.json');
    fs.writeFileSync(file, JSON.stringify({ tools: [WEATHER], safetySettings: [{ category: 'C', threshold: 'T' }] }));
    ok(['params', id, '--set', 'temperature=1']);
    assert.equal(ok(['params', id, '--file', file]).trim(), '1 safety setting · 1 tool');
    assert.equal(
      ok(['params', id, '--file', '-', '--set', 'effort=low'], JSON.stringify({ temperature: 0 })).trim(),
      'effort low · temp 0',
    );
    assert.match(ok(['params', id, '--clear']), /no model parameters set/);
    assert.equal(await stored(), undefined);
  });

  it('refuses bad keys, values and files with a sentence, changing nothing', async () => {
    ok(['params', id, '--set', 'temperature=0.5']);
    const file = path.join(tempDir(), 'bad.json');
    const refused: Array<[string[], string | undefined, RegExp]> = [
      [['--set', 'temp=1'], undefined, /--set temp=1: give KEY=VALUE with KEY one of effort, summary, budget/],
      [['--set', 'temperature=hot'], undefined, /--set temperature=hot: expected a number/],
      [['--set', 'temperature=7'], undefined, /Invalid model parameters: temperature: /],
      [['--set', 'effort=max'], undefined, /--set effort=max: use one of minimal, low, medium, high/],
      [['--file', '-'], '{"tools": [{"name": "get weather"}]}', /tools\.0\.name: a tool name is 1–64 letters/],
      [['--file', '-'], '{"tools": [', /standard input is not JSON/],
      [['--file', '-'], '[1]', /not an object of model parameters/],
      [['--file', file], undefined, /Could not read .*bad\.json/],
    ];
    for (const [args, input, sentence] of refused) {
      const r = run(['params', id, ...args], input);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, sentence);
    }
    assert.deepEqual(await stored(), { temperature: 0.5 });
  });
});
