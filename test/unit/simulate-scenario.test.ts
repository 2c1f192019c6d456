// Scenario files: the issue's example parses; problems are reported at file:line:column with the key path;
// hostile files (alias bombs, tags, huge files, several documents) are refused with a sentence; the JSON Schema
// package.json contributes is the model's.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreError } from '../../src/core/errors';
import { loadScenarioFile, MAX_SCENARIO_BYTES, parseScenario } from '../../src/core/simulate/load';
import { SCHEMA_FILE, schemaText } from '../../scripts/scenario-schema';
import { tempDir } from '../helpers/temp';

const EXAMPLE = `name: weather assistant
provider: openai            # any provider of the product
model: gpt-4o-mini
system: You are a travel assistant.
from: {session: abc, message: 4}
tools:
  - name: get_weather
    description: Current weather for a city
    parameters: {type: object, properties: {city: {type: string}}, required: [city]}
    result: {city: Lisbon, sky: sunny}
  - name: get_time
    results: [{when: {city: Porto}, result: "10:00"}]
turns:
  - user: what is the weather?
    expect:
      - tool_called: get_weather
      - tool_called: {name: get_weather, args: {city: Lisbon}}
      - contains: sunny
  - user: thanks
    expect:
      - regex: "^You're welcome"
      - not_contains: error
user_simulator:
  persona: A frustrated customer who wants a refund for a broken kettle
  goal: gets a refund confirmed
  provider: openai
  model: gpt-4o-mini
  max_turns: 6
`;

/** The sentence parseScenario throws for `text`. */
function problem(text: string, file = 'bad.sim.yaml'): string {
  try {
    parseScenario(text, file);
  } catch (e) {
    assert.ok(e instanceof CoreError && e.code === 'InvalidInput', String(e));
    return e.message;
  }
  assert.fail('the scenario was accepted');
}

describe('scenario files', () => {
  it("parses the issue's example with its defaults", () => {
    const { scenario, locate } = parseScenario(EXAMPLE, 'w.sim.yaml');
    assert.equal(scenario.rounds, 8);
    assert.deepEqual(scenario.from, { session: 'abc', message: 4 });
    assert.deepEqual(scenario.turns![0]!.expect![1], {
      tool_called: { name: 'get_weather', args: { city: 'Lisbon' } },
    });
    assert.equal(scenario.user_simulator!.max_turns, 6);
    // Positions for the Test Explorer: the second turn's first assertion is on line 20.
    assert.deepEqual(locate(['turns', 1, 'expect', 0]).start, { line: 21, column: 9 });
    assert.deepEqual(locate(['turns', 1]).start.line, 19);
  });

  it('parses the same scenario written as JSON', () => {
    const yaml = parseScenario(EXAMPLE, 'w.sim.yaml').scenario;
    const text = JSON.stringify(yaml, null, 2);
    const json = parseScenario(text, 'w.sim.json');
    assert.deepEqual(json.scenario, yaml);
    const line = text.split('\n').findIndex((l) => l.includes('"user": "thanks"')) + 1;
    assert.deepEqual(json.locate(['turns', 1, 'user']).start, { line, column: 15 });
  });

  it('reports each problem at its line and column with the key path', () => {
    const text = EXAMPLE.replace('      - contains: sunny', '      - contain: sunny').replace(
      'max_turns: 6',
      'max_turns: 0',
    );
    const message = problem(text);
    assert.match(message, /^bad\.sim\.yaml:18:9: turns\.0\.expect\.2\.contain: Unrecognized key: "contain"$/m);
    assert.match(message, /^bad\.sim\.yaml:28:14: user_simulator\.max_turns: Too small/m);
  });

  it('refuses an assertion with two kinds, a tool without an answer, and a scenario without turns', () => {
    assert.match(
      problem('name: n\nprovider: openai\nmodel: m\nturns:\n  - user: hi\n    expect: [{contains: a, regex: b}]\n'),
      /:6:14: turns\.0\.expect\.0: an assertion has exactly one of: contains, not_contains/,
    );
    assert.match(
      problem('name: n\nprovider: openai\nmodel: m\ntools: [{name: t}]\nturns: [{user: hi}]\n'),
      /:4:9: tools\.0: a tool needs `result` or `results`/,
    );
    assert.match(problem('name: n\nprovider: openai\nmodel: m\n'), /a scenario needs `turns` or `user_simulator`/);
    assert.match(
      problem('name: n\nprovider: nope\nmodel: m\nturns: [{user: hi}]\n'),
      /:2:11: provider: Invalid option/,
    );
  });

  it('refuses an alias bomb before expanding it', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    assert.match(problem(bomb), /Excessive alias count .*at most 100 aliases/);
  });

  it('refuses nesting deep enough to exhaust the stack, at once and at its place', () => {
    // 1000 open brackets made V8 abort the whole process (a fatal error, not an exception) while composing.
    assert.match(
      problem(`name: x\nparameters: ${'['.repeat(1000)}${']'.repeat(1000)}\n`),
      /:2:111: nested more than 100 levels deep/,
    );
    assert.match(problem(`${'- '.repeat(400_000)}x\n`), /:1:\d+: nested more than 100 levels deep/);
    assert.match(
      problem(`${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}`, 'deep.sim.json'),
      /nested more than 100 levels/,
    );
    // Ordinary nesting (a JSON Schema inside a tool) is fine.
    const schema = `${'{type: object, properties: {a: '.repeat(20)}{type: string}${'}}'.repeat(20)}`;
    assert.doesNotThrow(() =>
      parseScenario(
        `name: n\nprovider: openai\nmodel: m\ntools: [{name: t, result: 1, parameters: ${schema}}]\nturns: [{user: hi}]\n`,
        'ok.sim.yaml',
      ),
    );
  });

  it('refuses tags: a scenario is data, nothing in it is constructed or run', () => {
    assert.match(problem('name: !!js/function "() => 1"\n'), /:1:7: Unresolved tag.*tags are not allowed/);
    assert.match(problem('name: !shell rm -rf\n'), /:1:7: Unresolved tag: !shell/);
  });

  it('refuses duplicate keys, several documents, and JSON that is not JSON', () => {
    assert.match(problem('name: a\nname: b\n'), /:2:1: Map keys must be unique/);
    assert.match(problem('name: a\n---\nname: b\n'), /:2:1: a scenario file holds one YAML document/);
    assert.match(
      problem('{"name": "a",\n  "provider": "openai",}', 'bad.sim.json'),
      /^bad\.sim\.json:2:24: Expected double-quoted property name/m,
    );
  });

  it('refuses a file over the size limit without reading it', () => {
    const file = path.join(tempDir(), 'big.sim.yaml');
    fs.writeFileSync(file, `name: x\n#${'x'.repeat(MAX_SCENARIO_BYTES)}\n`);
    assert.throws(() => loadScenarioFile(file), /larger than 1 MiB/);
    assert.throws(() => loadScenarioFile(path.dirname(file)), /is not a file/);
  });

  it('contributes the JSON Schema generated from the model, for *.sim.json and *.sim.yaml', () => {
    assert.equal(
      fs.readFileSync(SCHEMA_FILE, 'utf8'),
      schemaText(),
      'schemas/scenario.schema.json is stale: npm run schema',
    );
    const schema = JSON.parse(schemaText());
    assert.deepEqual(Object.keys(schema.properties.turns.items.properties.expect.items.properties).sort(), [
      'contains',
      'equals',
      'json_schema',
      'judge',
      'max_cost',
      'max_input_tokens',
      'max_latency_ms',
      'not_contains',
      'regex',
      'tool_called',
      'tool_not_called',
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const url = './schemas/scenario.schema.json';
    assert.deepEqual(manifest.contributes.jsonValidation, [{ fileMatch: ['*.sim.json'], url }]);
    assert.deepEqual(manifest.contributes.yamlValidation, [{ fileMatch: ['*.sim.yaml', '*.sim.yml'], url }]);
    assert.match(
      fs.readFileSync(path.join(__dirname, '../../.vscodeignore'), 'utf8'),
      /^!schemas\/scenario\.schema\.json$/m,
    );
  });
});
