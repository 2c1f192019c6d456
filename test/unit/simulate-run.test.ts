// The simulation runner against the real SDKs and the local wire-protocol servers (and the offline Replay
// provider): tool answers by arguments, bounded rounds, a matrix, a simulated user, a judge, and a run
// from the middle of a recorded session, each stored as a traced session.
import { strict as assert } from 'node:assert';
import { createProvider } from '../../src/core/providers';
import { scenarioFromSession, scenarioYaml } from '../../src/core/simulate/from-session';
import { parseScenario } from '../../src/core/simulate/load';
import { runScenario, type RunOptions, type ScenarioRun } from '../../src/core/simulate/runner';
import { providerFor, useMock, wire } from '../helpers/providers';

describe('simulation runner', function () {
  this.timeout(30_000);
  const { mock, manager } = useMock();

  /** Providers on the mock server; Replay answers from what a `from` run forked. */
  const providers: RunOptions['providerFor'] = async (choice, recorded) =>
    choice.provider === 'replay'
      ? createProvider({ name: 'replay', recorded })
      : providerFor(wire(choice.provider as 'openai'), mock, { maxRetries: 0 });

  const run = (yaml: string, options: Partial<RunOptions> = {}): Promise<ScenarioRun> =>
    runScenario(manager(), parseScenario(yaml, 'test.sim.yaml'), { providerFor: providers, ...options });

  const WEATHER = `
name: weather
provider: openai
model: gpt-test
system: You are a travel assistant.
tools:
  - name: get_weather
    description: Current weather for a city
    parameters: {type: object, properties: {city: {type: string}}, required: [city]}
    results:
      - when: {city: Porto}
        result: {city: Porto, sky: rainy}
      - when: {city: Lisbon}
        result: {city: Lisbon, sky: sunny}
turns:
  - user: what is the weather in Porto?
    expect:
      - tool_called: {name: get_weather, args: {city: Porto}}
      - contains: rainy
`;

  it('answers each tool call from the entry whose `when` matches its arguments, and records the run as a traced session', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'c1', name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'It is rainy in Porto.' },
    );
    const result = await run(WEATHER);
    assert.equal(result.passed, true, JSON.stringify(result.turns));
    const requests = wire('openai').generations(mock);
    assert.equal(requests.length, 2);
    // The second request carries the Porto answer (not Lisbon's), and the tools reached the provider.
    assert.deepEqual(wire('openai').history(requests[1]!).at(-1), ['tool', '{"city":"Porto","sky":"rainy"}']);
    assert.equal(requests[0]!.body.tools[0].name, 'get_weather');
    assert.equal(wire('openai').system(requests[0]!), 'You are a travel assistant.');
    const session = await manager().get(result.sessionId);
    assert.deepEqual(session.tags, ['simulation']);
    assert.equal(session.status, 'completed');
    const meta = session.metadata['simulation'] as Record<string, unknown>;
    assert.equal(meta['scenario'], 'weather');
    assert.equal(meta['runId'], result.runId);
    assert.equal(meta['passed'], true);
    assert.match(String(meta['file']), /test\.sim\.yaml$/);
    const traces = await manager().listTraces(result.sessionId);
    assert.deepEqual(
      traces.map((t) => t.operation),
      ['simulate', 'simulate'],
    );
  });

  it('fails the turn, naming the arguments, when no answer matches a call', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'c1', name: 'get_weather', args: { city: 'Paris' } }] },
      { text: 'I could not get the weather.' },
    );
    const result = await run(WEATHER);
    assert.equal(result.passed, false);
    const failed = result.turns[0]!.assertions.filter((a) => !a.passed);
    assert.deepEqual(
      failed.map((a) => a.kind),
      ['tool_answer', 'tool_called', 'contains'],
    );
    assert.match(failed[0]!.message, /get_weather\(\{"city":"Paris"\}\)/);
    assert.deepEqual(failed[0]!.path, ['tools', 0, 'results']);
    // The model was told, as a failed call, and the conversation went on.
    assert.equal(wire('openai').history(wire('openai').generations(mock)[1]!).at(-1)![0], 'tool');
  });

  it('stops a turn after `rounds` model calls when the model keeps calling tools', async () => {
    const call = { toolCalls: [{ name: 'get_weather', args: { city: 'Lisbon' } }] };
    mock.script('openai', call, call, call, call);
    const result = await run(`${WEATHER.replace('turns:', 'rounds: 2\nturns:')}`);
    assert.equal(wire('openai').generations(mock).length, 2);
    const rounds = result.turns[0]!.assertions.find((a) => a.kind === 'rounds');
    assert.equal(rounds?.passed, false);
    assert.match(rounds!.message, /still calling tools after 2 model calls/);
  });

  it('runs the same scenario on two models (a matrix): each run is its own session on its own provider', async () => {
    mock.script('openai', { toolCalls: [{ name: 'get_weather', args: { city: 'Porto' } }] }, { text: 'rainy' });
    mock.script('anthropic', { text: 'I do not know.' });
    const a = await run(WEATHER, { target: { provider: 'openai', model: 'gpt-test' } });
    const b = await run(WEATHER, { target: { provider: 'anthropic', model: 'claude-test' } });
    assert.equal(a.passed, true);
    assert.equal(b.passed, false);
    assert.notEqual(a.sessionId, b.sessionId);
    assert.equal((await manager().get(b.sessionId)).provider, 'anthropic');
    assert.equal(wire('anthropic').generations(mock)[0]!.body.model, 'claude-test');
    assert.equal(wire('anthropic').generations(mock)[0]!.body.tools[0].name, 'get_weather');
  });

  it('lets a simulated user driven by another provider talk until it says its goal is met', async () => {
    mock.script('anthropic', { text: 'My kettle broke, I want a refund.' }, { text: 'Thank you!\nGOAL_MET' });
    mock.script('openai', { text: 'Your refund is confirmed.' });
    const result = await run(`
name: refund
provider: openai
model: gpt-test
user_simulator:
  persona: A frustrated customer with a broken kettle
  goal: gets a refund confirmed
  provider: anthropic
  model: claude-test
  max_turns: 4
  expect:
    - contains: refund
`);
    assert.equal(result.passed, true, JSON.stringify(result.turns));
    assert.equal(result.turns.length, 1);
    assert.equal(result.turns[0]!.user, 'My kettle broke, I want a refund.');
    assert.deepEqual(
      result.turns[0]!.assertions.map((a) => [a.kind, a.passed]),
      [
        ['contains', true],
        ['goal', true],
      ],
    );
    // The simulator saw the persona and the goal, then the assistant's reply as its next message.
    const [first, second] = wire('anthropic').generations(mock);
    assert.match(wire('anthropic').system(first!)!, /broken kettle[\s\S]*refund confirmed[\s\S]*GOAL_MET/);
    assert.deepEqual(wire('anthropic').history(second!).at(-1), ['user', 'Your refund is confirmed.']);
  });

  it('fails the goal when the simulated user never says it was met within max_turns', async () => {
    mock.script('anthropic', { text: 'Refund please.' }, { text: 'Still no refund?' }, { text: 'Hello?' });
    mock.script('openai', { text: 'Sorry.' }, { text: 'Sorry again.' });
    const result = await run(
      'name: r\nprovider: openai\nmodel: gpt-test\nuser_simulator: {persona: p, goal: g, provider: anthropic, model: claude-test, max_turns: 2}\n',
    );
    assert.equal(result.passed, false);
    assert.equal(result.turns.length, 2);
    const goal = result.turns[1]!.assertions.at(-1)!;
    assert.deepEqual([goal.kind, goal.passed], ['goal', false]);
    assert.match(goal.message, /within 2 turns/);
  });

  it('grades a `judge` rubric with another model only when judging is on', async () => {
    const yaml = `
name: j
provider: openai
model: gpt-test
judge: {provider: anthropic, model: claude-test}
turns:
  - user: hi
    expect:
      - judge: The reply is polite.
`;
    mock.script('openai', { text: 'Go away.' });
    const off = await run(yaml);
    assert.deepEqual(
      off.turns[0]!.assertions.map((a) => [a.passed, a.skipped]),
      [[true, true]],
    );
    assert.equal(wire('anthropic').generations(mock).length, 0);
    mock.script('openai', { text: 'Go away.' });
    mock.script('anthropic', { text: 'FAIL\nThe reply is rude.' });
    const on = await run(yaml, { judge: true });
    assert.deepEqual(
      on.turns[0]!.assertions.map((a) => [a.passed, a.message]),
      [[false, 'The reply is rude.']],
    );
    assert.match(wire('anthropic').history(wire('anthropic').generations(mock)[0]!)[0]![1], /polite[\s\S]*Go away\./);
    assert.equal((await manager().listTraces(on.sessionId)).length, 2);
  });

  it('starts from the middle of a recorded session: a fork at that message, answered by Replay from the recording', async () => {
    const m = manager();
    const source = await m.create({ provider: 'openai', model: 'gpt-test', title: 'recorded' });
    await m.addMessage(source.id, { role: 'user', content: 'first question' });
    await m.addMessage(source.id, { role: 'assistant', content: 'first answer' });
    const cut = await m.addMessage(source.id, { role: 'user', content: 'second question' });
    await m.addMessage(source.id, { role: 'assistant', content: 'second answer' });
    await m.addMessage(source.id, { role: 'user', content: 'third question' });
    await m.addMessage(source.id, { role: 'assistant', content: 'third answer' });
    const result = await run(`
name: from the middle
provider: replay
model: recorded
from: {session: ${source.id}, message: ${cut.seq + 1}}
turns:
  - user: a new third question
    expect: [{equals: third answer}]
`);
    assert.equal(result.passed, true, JSON.stringify(result.turns));
    const run1 = await m.get(result.sessionId);
    assert.deepEqual(run1.parent, { sessionId: source.id, messageId: (await m.allMessages(source.id))[3]!.id });
    assert.deepEqual(
      (await m.allMessages(run1.id)).map((x) => x.parts.map((p) => ('text' in p ? p.text : '')).join('')),
      ['first question', 'first answer', 'second question', 'second answer', 'a new third question', 'third answer'],
    );
    assert.ok(run1.tags.includes('simulation'));
    await assert.rejects(
      run(`name: x\nprovider: replay\nmodel: r\nfrom: {session: ${source.id}, message: 99}\nturns: [{user: hi}]\n`),
      /has no message 99 .*it has 1 to 6/,
    );
  });

  it('stops with an error naming the run session when the provider fails', async () => {
    mock.script('openai', {
      error: { status: 400, body: { error: { message: 'bad model', type: 'invalid_request_error' } } },
    });
    await assert.rejects(run(WEATHER), (e: Error & { details?: Record<string, unknown> }) => {
      assert.match(e.message, /The simulation stopped at turn 1; session \S+ holds it so far/);
      assert.ok(e.details?.['sessionId']);
      return true;
    });
  });

  it('saves a recorded session as a scenario that replays its user turns with its recorded tool results', async () => {
    const m = manager();
    const source = await m.create({
      provider: 'openai',
      model: 'gpt-test',
      title: 'Trip: "Porto" & more',
      systemPrompt: 'Be brief.',
      metadata: { tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }] },
    });
    await m.addMessage(source.id, { role: 'user', content: 'weather in Porto?' });
    await m.addMessage(source.id, {
      role: 'assistant',
      parts: [{ type: 'tool_call', callId: 'k1', name: 'get_weather', argumentsJson: '{"city":"Porto"}' }],
    });
    await m.addMessage(source.id, {
      role: 'tool',
      parts: [{ type: 'tool_result', callId: 'k1', name: 'get_weather', content: '{"sky":"rainy"}' }],
    });
    await m.addMessage(source.id, { role: 'assistant', content: 'Rainy.' });
    await m.addMessage(source.id, { role: 'user', content: 'and tomorrow?' });
    const yaml = scenarioYaml(scenarioFromSession(await m.get(source.id), await m.allMessages(source.id)));
    const { scenario } = parseScenario(yaml, 'saved.sim.yaml');
    assert.equal(scenario.name, 'Trip: "Porto" & more');
    assert.equal(scenario.system, 'Be brief.');
    assert.deepEqual(
      scenario.turns!.map((t) => t.user),
      ['weather in Porto?', 'and tomorrow?'],
    );
    assert.deepEqual(scenario.tools, [
      {
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object' },
        results: [{ when: { city: 'Porto' }, result: { sky: 'rainy' } }],
      },
    ]);
    mock.script(
      'openai',
      { toolCalls: [{ name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'Rainy' },
      { text: 'ok' },
    );
    const result = await run(yaml);
    assert.equal(result.passed, true, JSON.stringify(result.turns));
    assert.deepEqual(wire('openai').history(wire('openai').generations(mock)[1]!).at(-1), ['tool', '{"sky":"rainy"}']);
  });
});
