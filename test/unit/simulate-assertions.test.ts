// Each assertion kind on inputs where passing and failing differ; the matching of tool arguments; the
// judge's and the simulated user's answer formats; the report formats (JUnit parsed back).
import { strict as assert } from 'node:assert';
import { parseMove, parseVerdict } from '../../src/core/simulate/actors';
import { type TurnObservation, check, partialMatch } from '../../src/core/simulate/assertions';
import { junitReport, passRates, type RepeatedRun, xmlText } from '../../src/core/simulate/report';
import type { Assertion } from '../../src/core/simulate/scenario';

const turn = (over: Partial<TurnObservation> = {}): TurnObservation => ({
  reply: "You're welcome! It is sunny in Lisbon.",
  calls: [{ name: 'get_weather', args: { city: 'Lisbon', units: { temp: 'C', wind: 'kmh' } }, argumentsJson: '{}' }],
  inputTokens: 120,
  cost: { known: true, total: 0.002 },
  latencyMs: 850,
  ...over,
});

async function verdicts(assertion: Assertion, pass: Partial<TurnObservation>, fail: Partial<TurnObservation>) {
  const yes = await check(assertion, turn(pass), ['a']);
  const no = await check(assertion, turn(fail), ['a']);
  assert.equal(yes.passed, true, `${JSON.stringify(assertion)} should pass: ${yes.message}`);
  assert.equal(no.passed, false, `${JSON.stringify(assertion)} should fail: ${no.message}`);
  return no;
}

describe('simulation assertions', () => {
  it('contains, not_contains, equals', async () => {
    await verdicts({ contains: 'sunny' }, {}, { reply: 'It is rainy.' });
    await verdicts({ not_contains: 'error' }, {}, { reply: 'An error occurred.' });
    const no = await verdicts({ equals: 'OK' }, { reply: '  OK\n' }, { reply: 'OK.' });
    assert.equal(no.expected, 'OK');
    assert.equal(no.actual, 'OK.');
  });

  it('regex runs on RE2: anchors and inline flags work, a catastrophic pattern is still linear', async () => {
    await verdicts({ regex: "^You're welcome" }, {}, { reply: "Well, you're welcome" });
    await verdicts({ regex: "(?i)^you're WELCOME" }, {}, { reply: 'No.' });
    // (a+)+$ backtracks exponentially in JavaScript's engine on this input; RE2 answers at once.
    await verdicts({ regex: '^(a+)+$' }, { reply: 'a'.repeat(50_000) }, { reply: `${'a'.repeat(50_000)}!` });
    const bad = await check({ regex: '(?<=x)y' }, turn(), ['a']);
    assert.equal(bad.passed, false);
    assert.match(bad.message, /is not an RE2 regular expression/);
  });

  it('json_schema: the reply (or its one fenced block) is JSON the schema accepts', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string', pattern: '^(a+)+$' }, temp: { type: 'number' } },
      required: ['temp'],
    };
    const no = await verdicts(
      { json_schema: schema },
      { reply: '```json\n{"city": "aaaa", "temp": 21}\n```' },
      { reply: '{"city": "aaaa", "temp": "warm"}' },
    );
    assert.match(no.message, /temp must be number/);
    assert.match((await check({ json_schema: schema }, turn({ reply: 'Sunny!' }), [])).message, /not JSON/);
    // The pattern keyword runs on RE2 too: this would hang JavaScript's engine.
    const slow = await check(
      { json_schema: schema },
      turn({ reply: JSON.stringify({ city: `${'a'.repeat(40_000)}!`, temp: 1 }) }),
      [],
    );
    assert.equal(slow.passed, false);
    assert.match(
      (await check({ json_schema: { type: 'nope' } }, turn({ reply: '{}' }), [])).message,
      /not a valid JSON Schema/,
    );
  });

  it('tool_called and tool_not_called, by name or with partial arguments', async () => {
    await verdicts({ tool_called: 'get_weather' }, {}, { calls: [] });
    await verdicts(
      { tool_called: { name: 'get_weather', args: { units: { temp: 'C' } } } },
      {},
      { calls: [{ name: 'get_weather', args: { city: 'Lisbon', units: { temp: 'F' } }, argumentsJson: '{}' }] },
    );
    const no = await verdicts(
      { tool_not_called: { name: 'get_weather', args: { city: 'Lisbon' } } },
      { calls: [] },
      {},
    );
    assert.match(no.message, /get_weather\(\{"city":"Lisbon"\}\) was called/);
  });

  it('max_input_tokens, max_cost (an unknown price fails), max_latency_ms', async () => {
    await verdicts({ max_input_tokens: 120 }, {}, { inputTokens: 121 });
    await verdicts({ max_cost: 0.002 }, {}, { cost: { known: true, total: 0.0021 } });
    const unknown = await check({ max_cost: 1 }, turn({ cost: { known: false, reason: 'no price for model x' } }), []);
    assert.deepEqual([unknown.passed, unknown.message], [false, "The turn's cost is not known: no price for model x."]);
    await verdicts({ max_latency_ms: 1000 }, {}, { latencyMs: 1000.6 });
  });

  it('judge: skipped while judging is off, the judge decides when it is on', async () => {
    const off = await check({ judge: 'polite' }, turn(), []);
    assert.deepEqual([off.passed, off.skipped], [true, true]);
    const asked: unknown[] = [];
    const on = await check({ judge: { rubric: 'polite', model: 'm2' } }, turn(), [], async (rubric, reply, model) => {
      asked.push([rubric, reply, model]);
      return { passed: false, reason: 'rude' };
    });
    assert.deepEqual([on.passed, on.message], [false, 'rude']);
    assert.deepEqual(asked, [['polite', turn().reply, { rubric: 'polite', model: 'm2' }]]);
  });

  it('matches arguments deeply and partially; arrays element by element', () => {
    const args = { city: 'Porto', when: { day: 'mon', hour: 9 }, tags: ['a', { b: 1, c: 2 }] };
    assert.equal(partialMatch({ city: 'Porto' }, args), true);
    assert.equal(partialMatch({ when: { day: 'mon' } }, args), true);
    assert.equal(partialMatch({ tags: ['a', { b: 1 }] }, args), true);
    assert.equal(partialMatch({ tags: ['a'] }, args), false);
    assert.equal(partialMatch({ city: 'Lisbon' }, args), false);
    assert.equal(partialMatch({ when: { day: 'tue' } }, args), false);
    assert.equal(partialMatch({ missing: null }, args), false);
    assert.equal(partialMatch({ city: 'Porto' }, undefined), false);
  });

  it("reads the judge's verdict and the simulated user's move", () => {
    assert.deepEqual(parseVerdict('**PASS**\nPolite and correct.'), { passed: true, reason: 'Polite and correct.' });
    assert.equal(parseVerdict('fail\nrude').passed, false);
    assert.match(parseVerdict('I think it passes').reason, /did not start with PASS or FAIL/);
    assert.deepEqual(parseMove('Thanks!\n**GOAL_MET**'), { kind: 'goal_met' });
    assert.deepEqual(parseMove('GIVE_UP.'), { kind: 'give_up' });
    assert.deepEqual(parseMove('Where is my GOAL_MET refund?'), {
      kind: 'message',
      text: 'Where is my GOAL_MET refund?',
    });
  });
});

describe('simulation reports', () => {
  const run = (repeat: number, passed: boolean): RepeatedRun => ({
    name: 'a <b> & "c"',
    file: 'x.sim.yaml',
    runId: 'r1',
    provider: 'openai',
    model: 'gpt-test',
    sessionId: `s${repeat}`,
    passed,
    repeat,
    turns: [
      {
        index: 1,
        user: 'hi',
        reply: 'x',
        path: [],
        assertions: [
          { kind: 'contains', passed, message: `The reply ${passed ? 'contains' : 'lacks'} "<&>"\u0001`, path: [] },
          { kind: 'judge', passed: true, skipped: true, message: 'Not judged', path: [] },
        ],
      },
    ],
  });

  it('writes JUnit XML with one test case per assertion, escaped', () => {
    const xml = junitReport([run(1, true), run(2, false)]);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 4);
    assert.match(xml, /<testsuites name="simulate" tests="4" failures="1" skipped="2">/);
    assert.match(
      xml,
      /<testsuite name="a &lt;b&gt; &amp; &quot;c&quot; \[openai\/gpt-test\] #2" tests="2" failures="1"/,
    );
    assert.match(xml, /<failure message="The reply lacks &quot;&lt;&amp;&gt;&quot;\uFFFD" type="contains">/);
    assert.match(xml, /<skipped message="Not judged"\/>/);
    // Well formed: nothing but the escapes above between tags.
    assert.doesNotMatch(xml.replace(/<[^<>]*>/g, ''), /[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    assert.equal(xmlText("'\u0000"), '&apos;\uFFFD');
  });

  it('counts each assertion’s pass rate over repeated runs, leaving skipped ones out', () => {
    assert.deepEqual(passRates([run(1, true), run(2, false), run(3, true)]), [
      {
        scenario: 'a <b> & "c"',
        file: 'x.sim.yaml',
        model: 'openai/gpt-test',
        assertion: 'turn 1 #1 contains',
        passed: 2,
        runs: 3,
      },
    ]);
  });
});
