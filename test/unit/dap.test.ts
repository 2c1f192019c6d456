// The conversation debugger through the Debug Adapter Protocol: a real DAP client
// (@vscode/debugadapter-testsupport) talking to `langswarm-sessions dap` (dist/cli.js, a real process on
// stdin/stdout), the real SDKs calling the local wire-protocol servers. Stops (entry, breakpoint, step,
// function breakpoint, exception, pause), frames on the scenario's lines, the pending request in Variables,
// edits sent as edited, tool results and user messages from the console, restart, the end.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { SessionManager } from '../../src/core/sessions';
import { Tracer } from '../../src/core/trace';
import { CLI } from '../helpers/cli';
import { tempDb, tempDir } from '../helpers/temp';
import { MockProviders } from '../mock-providers/server';

const SCENARIO = `name: weather
provider: openai
model: gpt-test
system: You are a travel assistant.
tools:
  - name: get_weather
    parameters: {type: object, properties: {city: {type: string}}}
    result: {sky: rainy}
turns:
  - user: what is the weather in Porto?
    expect:
      - contains: rainy
  - user: thanks
`;
const TURN_1_LINE = 10; // "  - user: what is the weather in Porto?"
const TURN_2_LINE = 13; // "  - user: thanks"

describe('debug adapter (DAP, `langswarm-sessions dap`)', function () {
  this.timeout(60_000);
  const mock = new MockProviders();
  let dc: DebugClient;
  let db: string;
  let dir: string;
  let scenario: string;

  before(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
    await mock.start();
  });
  after(() => mock.stop());

  beforeEach(async () => {
    mock.reset();
    dir = tempDir();
    db = tempDb();
    scenario = path.join(dir, 'weather.sim.yaml');
    fs.writeFileSync(scenario, SCENARIO);
    // The client starts one executable with no arguments: a script that runs the CLI's `dap`.
    const script = path.join(dir, 'dap.sh');
    fs.writeFileSync(script, `exec "${process.execPath}" "${path.resolve(CLI)}" dap --db "${db}"\n`);
    dc = new DebugClient('/bin/sh', script, 'langswarm-session', {
      env: {
        ...process.env,
        OPENAI_API_KEY: mock.keys.openai,
        LANGSWARM_OPENAI_BASE_URL: `${mock.url}/v1`,
      },
    });
    await dc.start();
  });
  afterEach(async () => {
    // stop() disconnects first; an adapter that already exited (after a test's own disconnect) never answers.
    await Promise.race([dc.stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    (dc as unknown as { stopAdapter(): void }).stopAdapter();
  });

  /** initialize, launch, the breakpoints, configurationDone; resolves once launched. */
  async function launch(
    args: Record<string, unknown>,
    setup: () => Promise<unknown> = async () => undefined,
  ): Promise<DebugProtocol.InitializeResponse> {
    const initialized = dc.waitForEvent('initialized');
    const init = await dc.initializeRequest({
      adapterID: 'langswarm-session',
      linesStartAt1: true,
      columnsStartAt1: true,
    });
    await Promise.all([
      initialized.then(async () => {
        await setup();
        await dc.configurationDoneRequest();
      }),
      dc.launchRequest({ cwd: dir, ...args } as DebugProtocol.LaunchRequestArguments),
    ]);
    return init;
  }

  async function stopped(reason: string): Promise<DebugProtocol.StoppedEvent> {
    const e = (await dc.waitForEvent('stopped')) as DebugProtocol.StoppedEvent;
    assert.equal(e.body.reason, reason, e.body.description);
    return e;
  }

  async function topFrame(): Promise<DebugProtocol.StackFrame[]> {
    return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }

  /** A scope's variables as plain JSON (nested ones fetched). */
  async function scope(name: string): Promise<any> {
    const [frame] = await topFrame();
    const scopes = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes;
    const found = scopes.find((s) => s.name === name);
    assert.ok(found, `no ${name} scope in ${scopes.map((s) => s.name)}`);
    return read(found.variablesReference);
  }

  async function read(reference: number): Promise<any> {
    const vars = (await dc.variablesRequest({ variablesReference: reference })).body.variables;
    const array = vars.length > 0 && vars.every((v) => /^\[\d+\]$/.test(v.name));
    const out: any = array ? [] : {};
    for (const v of vars) {
      const value = v.variablesReference ? await read(v.variablesReference) : JSON.parse(v.value);
      if (array) out.push(value);
      else out[v.name] = value;
    }
    return out;
  }

  const openaiRequests = () => mock.calls('openai', '/responses').filter((r) => r.method === 'POST');

  it('stops on entry before the first call, with the request as it will be sent, and runs to the end', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'It is rainy in Porto.' },
      { text: "You're welcome." },
    );
    const init = await launch({ scenario: 'weather.sim.yaml', stopOnEntry: true });
    assert.deepEqual(
      init.body?.exceptionBreakpointFilters?.map((f) => f.filter),
      ['provider-error', 'assertion-failed', 'tool-call'],
    );
    await stopped('entry');
    assert.equal(openaiRequests().length, 0, 'nothing is sent before the user goes on');
    const [frame] = await topFrame();
    assert.equal(frame!.source?.path, scenario);
    assert.equal(frame!.line, TURN_1_LINE);
    assert.match(frame!.name, /Turn 1: what is the weather in Porto\?/);
    const request = await scope('Request');
    assert.equal(request.model, 'gpt-test');
    assert.equal(request.tools[0].name, 'get_weather');
    assert.equal(request.instructions, 'You are a travel assistant.');
    assert.equal(JSON.stringify(request.input).includes('what is the weather in Porto?'), true);
    const session = await scope('Session');
    assert.equal(session.provider, 'openai');
    assert.equal(session.status, 'active');
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    assert.equal(openaiRequests().length, 3);
    // What the adapter showed is what the server got: the first body, byte for byte as JSON.
    assert.deepEqual(openaiRequests()[0]!.body, request);
    const said = output.join('');
    assert.match(said, /It is rainy in Porto\./);
    assert.match(said, /get_weather\(\{"city":"Porto"\}\) \[call_1\]/);
    assert.match(said, /Passed: weather\. The run is session /);
    const m = await SessionManager.open(db, { tracer: new Tracer('warn') });
    try {
      const [run] = m.list({}).items;
      assert.match(run!.title, /^weather \(debug on openai\/gpt-test\)$/);
      assert.deepEqual(
        m.listTraces(run!.id).map((t) => t.operation),
        ['debug', 'debug', 'debug'],
      );
    } finally {
      await m.close();
    }
  });

  it('verifies breakpoints on turns, stops at one on its line, and shows one frame per turn', async () => {
    mock.script('openai', { text: 'Sunny.' }, { text: 'Bye.' });
    let verified: DebugProtocol.Breakpoint[] = [];
    await launch({ scenario }, async () => {
      const r = await dc.setBreakpointsRequest({
        source: { path: scenario },
        breakpoints: [{ line: TURN_2_LINE }, { line: 2 }],
      });
      verified = r.body.breakpoints;
    });
    assert.deepEqual(
      verified.map((b) => [b.verified, b.verified ? b.line : b.message]),
      [
        [true, TURN_2_LINE],
        [false, 'Not on a turn: put the breakpoint on a turn (its `user` line).'],
      ],
    );
    await stopped('breakpoint');
    assert.equal(openaiRequests().length, 1, 'turn 1 ran through; turn 2 waits');
    const frames = await topFrame();
    assert.deepEqual(
      frames.map((f) => [f.line, f.name]),
      [
        [TURN_2_LINE, 'Turn 2: thanks'],
        [TURN_1_LINE, 'Turn 1: what is the weather in Porto?'],
      ],
    );
    const reply = await scope('Last reply');
    assert.equal(reply.text, 'Sunny.');
    assert.equal(typeof reply.timing.latencyMs, 'number');
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
  });

  it('steps: Step Over stops before the next call, Step Into at each tool call', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'Rainy.' },
      { toolCalls: [{ id: 'call_2', name: 'get_weather', args: { city: 'Lisbon' } }] },
      { text: 'Bye.' },
    );
    await launch({ scenario, stopOnEntry: true });
    await stopped('entry');
    await dc.nextRequest({ threadId: 1 });
    // Step Over: the call was made, its tool call answered, and it stops before the turn's second call.
    const step = await stopped('step');
    assert.match(step.body.description ?? '', /Before model call 2 of Turn 1/);
    assert.equal(openaiRequests().length, 1);
    const [frame] = await topFrame();
    assert.match(frame!.name, /· call 2$/);
    assert.equal(frame!.line, TURN_1_LINE);
    const request = await scope('Request');
    assert.equal(JSON.stringify(request.input).includes('rainy'), true, 'the tool result is in the pending request');
    await dc.nextRequest({ threadId: 1 });
    await stopped('step'); // before turn 2
    await dc.stepInRequest({ threadId: 1 });
    const tool = await stopped('step');
    assert.match(tool.body.description ?? '', /Tool call get_weather\(\{"city":"Lisbon"\}\) \[call_2\]/);
    const call = await scope('Tool call');
    assert.equal(call.call.callId, 'call_2');
    assert.equal(call.answer.content, '{"sky":"rainy"}');
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    assert.equal(openaiRequests().length, 4);
  });

  it('sends an edited request as edited (setVariable), for that call only, and the trace says so', async () => {
    mock.script('openai', { text: 'Fine.' }, { text: 'Bye.' });
    await launch({ scenario, stopOnEntry: true });
    await stopped('entry');
    const [frame] = await topFrame();
    const scopes = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes;
    const request = scopes.find((s) => s.name === 'Request')!;
    const top = (await dc.variablesRequest({ variablesReference: request.variablesReference })).body.variables;
    const set = await dc.setVariableRequest({
      variablesReference: request.variablesReference,
      name: 'instructions',
      value: '"You answer in French."',
    });
    assert.equal(set.body.value, '"You answer in French."');
    assert.ok(top.some((v) => v.name === 'instructions'));
    // Session and Last reply are read-only.
    const session = scopes.find((s) => s.name === 'Session')!;
    await assert.rejects(
      dc.setVariableRequest({ variablesReference: session.variablesReference, name: 'status', value: '"x"' }),
      /Only the Request can be edited/,
    );
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    const [first, second] = openaiRequests();
    assert.equal(first!.body.instructions, 'You answer in French.');
    assert.equal(second!.body.instructions, 'You are a travel assistant.', 'the edit was for that call only');
    const m = await SessionManager.open(db, { tracer: new Tracer('warn') });
    try {
      const traces = m.listTraces(m.list({}).items[0]!.id);
      assert.deepEqual(
        traces.map((t) => t.edited?.paths),
        [['instructions'], undefined],
      );
      // The trace's request body is what was sent, not what was built (the first attempt made the conversation).
      const call = m.getTrace(traces[0]!.spanId).attempts.find((a) => a.url.endsWith('/responses'))!;
      assert.equal(JSON.parse(call.requestBody).instructions, 'You answer in French.');
    } finally {
      await m.close();
    }
  });

  it('continues a recorded session live: tool results and user messages from the console, /model, then ends', async () => {
    // A recorded session whose tool the debugger has no answer for: the console supplies it.
    const seed = await SessionManager.open(db, { tracer: new Tracer('warn') });
    const source = await seed.create({ provider: 'openai', model: 'gpt-test', title: 'recorded' });
    await seed.addMessage(source.id, { role: 'user', content: 'book a table' });
    await seed.close();
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_9', name: 'book', args: { people: 2 } }] },
      { text: 'Booked.' },
      { text: 'See you.' },
    );
    await launch({ session: source.id });
    const noAnswer = await stopped('exception');
    assert.match(noAnswer.body.description ?? '', /Supply a result: \/tool call_9 <json>/);
    const [frame] = await topFrame();
    assert.equal(frame!.source?.sourceReference, 1);
    const doc = await dc.sourceRequest({ source: frame!.source!, sourceReference: 1 });
    assert.match(doc.body.content, /#\d+ user:\n {4}book a table/);
    assert.match(doc.body.content.split('\n')[frame!.line - 1]!, /^#\d+ user:$/, 'the frame is on its user message');
    const wrong = dc.evaluateRequest({ expression: '/tool call_1 {}', context: 'repl' });
    await assert.rejects(wrong, /The waiting tool call is call_9 \(book\), not call_1/);
    const said = await dc.evaluateRequest({ expression: '/tool call_9 {"table": 7}', context: 'repl' });
    assert.match(said.body.result, /call_9/);
    await dc.evaluateRequest({ expression: '/model gpt-other', context: 'repl' });
    await dc.continueRequest({ threadId: 1 });
    const waiting = await stopped('pause');
    assert.match(waiting.body.description ?? '', /Waiting for your message/);
    const [, second] = openaiRequests();
    assert.equal(JSON.stringify(second!.body.input).includes('{\\"table\\":7}'), true, 'the console result was sent');
    assert.equal(second!.body.model, 'gpt-other');
    await dc.evaluateRequest({ expression: 'and dessert?', context: 'repl' });
    await stopped('pause');
    const third = openaiRequests()[2]!;
    assert.equal(JSON.stringify(third.body.input).includes('and dessert?'), true);
    await dc.disconnectRequest({});
    const m = await SessionManager.open(db, { tracer: new Tracer('warn') });
    try {
      const fork = m.list({}).items.find((s) => s.id !== source.id)!;
      assert.equal(fork.parent?.sessionId, source.id, 'the run is a fork: it can be compared with the original');
      assert.deepEqual(
        m.allMessages(fork.id).map((x) => x.role),
        ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant'],
      );
      assert.equal(m.allMessages(source.id).length, 1, 'the original stays as it was');
    } finally {
      await m.close();
    }
  });

  it('stops at a function breakpoint by tool name, and on a provider error with its message', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }] },
      {
        error: {
          status: 400,
          body: { error: { message: 'Unsupported parameter: temperature', type: 'invalid_request_error' } },
        },
      },
      { text: 'Rainy.' },
      { text: 'Bye.' },
    );
    await launch({ scenario }, async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'get_weather' }] });
      await dc.setExceptionBreakpointsRequest({ filters: ['provider-error'] });
    });
    const fn = await stopped('function breakpoint');
    assert.match(fn.body.description ?? '', /The model called get_weather/);
    await dc.continueRequest({ threadId: 1 });
    const error = await stopped('exception');
    assert.match(error.body.description ?? '', /Unsupported parameter: temperature/);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? '', /Unsupported parameter/);
    // Continue sends the call again (the server answers this time).
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    assert.equal(openaiRequests().length, 4);
  });

  it('stops at every tool call with the "Tool call" exception breakpoint, and not without it', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'Rainy.' },
      { toolCalls: [{ id: 'call_2', name: 'get_weather', args: { city: 'Faro' } }] },
      { text: 'Bye.' },
    );
    await launch({ scenario }, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['tool-call'] });
    });
    const first = await stopped('exception');
    assert.match(first.body.description ?? '', /Tool call get_weather\(\{"city":"Porto"\}\) \[call_1\]/);
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    assert.equal(openaiRequests().length, 4, 'the second tool call ran through once the filter was off');
  });

  it('Restart Frame runs the turn again from its user message (the replies it had deleted) and stops before its call', async () => {
    mock.script(
      'openai',
      { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Porto' } }] },
      { text: 'Bad answer.' },
      { text: 'Good answer: rainy.' },
      { text: 'Bye.' },
    );
    await launch({ scenario, stopOnEntry: true }, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['assertion-failed'] });
    });
    await stopped('entry');
    await dc.continueRequest({ threadId: 1 });
    const failed = await stopped('exception');
    assert.match(failed.body.description ?? '', /Assertion failed in turn 1/);
    const [frame] = await topFrame();
    await dc.restartFrameRequest({ frameId: frame!.id });
    // A restarted frame stops again before its first call; restarting there asks that call again.
    const restarted = await stopped('restart');
    assert.match(restarted.body.description ?? '', /Restarted Turn 1: what is the weather in Porto\?/);
    assert.equal(openaiRequests().length, 2);
    await dc.restartFrameRequest({ frameId: frame!.id });
    await stopped('restart');
    assert.equal(openaiRequests().length, 2, 'a call restarted before it was sent is not sent');
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    const m = await SessionManager.open(db, { tracer: new Tracer('warn') });
    try {
      const run = m.list({}).items[0]!;
      const texts = m
        .allMessages(run.id)
        .map((x) => `${x.role}: ${x.parts.map((p) => (p.type === 'text' ? p.text : p.type)).join()}`);
      assert.deepEqual(texts, [
        'user: what is the weather in Porto?',
        'assistant: Good answer: rainy.',
        'user: thanks',
        'assistant: Bye.',
      ]);
      assert.deepEqual(
        m.listTraces(run.id).map((t) => `${t.operation} ${t.outcome}`),
        ['debug ok', 'debug ok', 'regenerate cancelled', 'regenerate ok', 'debug ok'],
      );
      assert.equal((m.get(run.id).metadata['simulation'] as { passed: boolean }).passed, true);
    } finally {
      await m.close();
    }
  });

  it('Pause cuts off a streaming reply (kept, marked) and Continue sends the call again', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    mock.script(
      'openai',
      { text: 'a long reply that streams', holdBefore: { delta: 2, until: held } },
      { text: 'Rainy again.' },
      { text: 'Bye.' },
    );
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
    await launch({ scenario });
    while (!output.join('').includes('a lo')) await new Promise((r) => setTimeout(r, 20));
    await dc.pauseRequest({ threadId: 1 });
    const paused = await stopped('pause');
    assert.match(paused.body.description ?? '', /the reply was cut off/);
    release();
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    const m = await SessionManager.open(db, { tracer: new Tracer('warn') });
    try {
      const run = m.list({}).items[0]!;
      assert.deepEqual(
        m.listTraces(run.id).map((t) => t.outcome),
        ['cancelled', 'ok', 'ok'],
      );
    } finally {
      await m.close();
    }
  });

  it('shows a very long string cut short and read-only (Edit Request… edits it whole)', async () => {
    const long = 'x'.repeat(12_000);
    fs.writeFileSync(scenario, `name: long\nprovider: openai\nmodel: gpt-test\nturns:\n  - user: "${long}"\n`);
    mock.script('openai', { text: 'ok' });
    await launch({ scenario, stopOnEntry: true });
    await stopped('entry');
    const [frame] = await topFrame();
    const requestScope = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes.find(
      (s) => s.name === 'Request',
    )!;
    // Down to the user's text: input[0].content[0].text
    const child = async (ref: number, name: string) =>
      (await dc.variablesRequest({ variablesReference: ref })).body.variables.find((v) => v.name === name)!;
    const input = await child(requestScope.variablesReference, 'input');
    const message = await child(input.variablesReference, '[0]');
    const content = await child(message.variablesReference, 'content');
    const part = await child(content.variablesReference, '[0]');
    const text = await child(part.variablesReference, 'text');
    assert.match(text.value, /… \(12000 characters; Edit Request… shows it whole\)$/);
    assert.deepEqual(text.presentationHint?.attributes, ['readOnly']);
    await assert.rejects(
      dc.setVariableRequest({ variablesReference: part.variablesReference, name: 'text', value: '"short"' }),
      /too long to edit here \(12000 characters\)/,
    );
    // The whole body, through the custom request the editor's Edit Request… uses, and back edited.
    const whole = await dc.customRequest('langswarm/request');
    assert.equal(whole.body.body.input[0].content[0].text, long);
    whole.body.body.input[0].content[0].text = 'short now';
    await dc.customRequest('langswarm/setRequest', { body: whole.body.body });
    await dc.continueRequest({ threadId: 1 });
    await dc.waitForEvent('terminated');
    assert.equal(openaiRequests()[0]!.body.input[0].content[0].text, 'short now');
  });

  it('refuses a launch configuration that is not valid, saying what is wrong', async () => {
    await dc.initializeRequest({ adapterID: 'langswarm-session' });
    await assert.rejects(
      dc.launchRequest({ scenario: 'a.sim.yaml', session: 'x' } as DebugProtocol.LaunchRequestArguments),
      /give either "scenario" \(a \*\.sim\.yaml file\) or "session" \(a session id\), not both/,
    );
    await assert.rejects(
      dc.launchRequest({ scenario: path.join(dir, 'missing.sim.yaml') } as DebugProtocol.LaunchRequestArguments),
      /Could not read the scenario/,
    );
    await assert.rejects(
      dc.launchRequest({ session: 'no-such-session' } as DebugProtocol.LaunchRequestArguments),
      /no-such-session/,
    );
  });
});
