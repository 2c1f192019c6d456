// A session's model parameters (effort, temperature, max output tokens, Gemini safety settings, tools): each
// provider, through its real SDK against the local wire-protocol server, receives exactly its own fields for them
// (and the turn's trace holds those bytes); a replay offers the source's tools; what a provider cannot take is
// said, not dropped; the parameters are checked when set, survive a reopen, and stored ones that cannot be
// used stop a turn with a sentence.
import { strict as assert } from 'node:assert';
import { replay, send } from '../../src/core/conversation';
import { isCoreError } from '../../src/core/errors';
import type { ModelParameters } from '../../src/core/model';
import { SessionManager } from '../../src/core/sessions';
import type { Tx } from '../../src/core/store/connection';
import { SCHEMA_VERSION, upgradeSchema } from '../../src/core/store/schema';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { SessionClient } from '../../src/core/worker/client';
import { salvage } from '../../src/core/store/salvage';
import * as fs from 'node:fs';
import type { BindParams } from 'sql.js';
import { tempDb } from '../helpers/temp';
import { TurnTrace } from '../../src/core/turn-trace';
import { expectCoreError } from '../helpers/errors';
import { WIRES, providerFor, useMock, wire } from '../helpers/providers';
import { editFile } from '../helpers/sqlite';

const WEATHER = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const SAFETY = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];

/** Per provider: parameters it can take whole, and exactly the request fields they must become. */
const CASES: Record<string, { parameters: ModelParameters; fields: Record<string, unknown> }> = {
  openai: {
    parameters: {
      reasoning: { effort: 'high', summary: 'detailed' },
      temperature: 0.2,
      maxOutputTokens: 2000,
      tools: [WEATHER],
    },
    fields: {
      reasoning: { effort: 'high', summary: 'detailed' },
      temperature: 0.2,
      max_output_tokens: 2000,
      tools: [{ type: 'function', ...WEATHER, strict: false }],
    },
  },
  anthropic: {
    parameters: { reasoning: { effort: 'high' }, tools: [WEATHER] },
    fields: {
      // max_tokens counts thinking and must exceed the budget: the default 4096 for the answer on top of the effort's.
      thinking: { type: 'enabled', budget_tokens: 24576 },
      max_tokens: 24576 + 4096,
      tools: [{ name: WEATHER.name, description: WEATHER.description, input_schema: WEATHER.parameters }],
    },
  },
  gemini: {
    parameters: {
      reasoning: { effort: 'medium', summary: 'auto' },
      temperature: 0.2,
      maxOutputTokens: 2000,
      safetySettings: SAFETY,
      tools: [WEATHER],
    },
    fields: {
      generationConfig: {
        temperature: 0.2,
        maxOutputTokens: 2000,
        thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
      },
      safetySettings: SAFETY,
      tools: [
        {
          functionDeclarations: [
            { name: WEATHER.name, description: WEATHER.description, parametersJsonSchema: WEATHER.parameters },
          ],
        },
      ],
    },
  },
};

for (const w of WIRES) {
  describe(`model parameters: ${w.name} (real SDK, local server)`, function () {
    this.timeout(20_000);
    const { mock, manager } = useMock();

    it('sends exactly its fields for the session’s parameters, and the trace holds the body as received', async () => {
      const { parameters, fields } = CASES[w.name]!;
      const s = await manager().create({ provider: w.name, model: w.model });
      await manager().setParameters(s.id, parameters);
      mock.script(w.name, { toolCalls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Oslo' } }] });
      const traces: TurnTrace[] = [];
      const warnings: string[] = [];
      const { reply } = await send(manager(), s.id, 'Weather in Oslo?', {
        provider: providerFor(w, mock),
        traceSink: (t) => void traces.push(TurnTrace.parse(t)),
        onEvent: (e) => void (e.type === 'warning' && warnings.push(e.message)),
      });
      const [received] = w.generations(mock);
      for (const [key, value] of Object.entries(fields)) assert.deepEqual(received!.body[key], value, key);
      assert.deepEqual(warnings, []);
      const attempt = traces[0]!.attempts.find((a) => a.requestBody === received!.raw);
      assert.ok(attempt, 'the trace has the generation request exactly as the server received it');
      // A tool call ends the turn (nothing runs tools): the call is stored for the caller to answer.
      assert.equal(reply.stopReason, 'tool_use');
      assert.deepEqual(
        reply.parts.filter((p) => p.type === 'tool_call').map((p) => p.type === 'tool_call' && p.name),
        ['get_weather'],
      );
    });

    it('without parameters sends none of those fields', async () => {
      const s = await manager().create({ provider: w.name, model: w.model });
      await send(manager(), s.id, 'Hi', { provider: providerFor(w, mock) });
      const body = w.generations(mock)[0]!.body;
      for (const key of ['reasoning', 'temperature', 'thinking', 'tools', 'safetySettings'])
        assert.equal(body[key], undefined, key);
      assert.equal(body.generationConfig?.thinkingConfig, undefined);
    });

    it('a replay of a tool-using session offers its tools to the new model', async () => {
      const s = await manager().create({ provider: w.name, model: w.model });
      await manager().setParameters(s.id, { tools: [WEATHER] });
      await manager().addMessages(s.id, [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', parts: [{ type: 'tool_call', callId: 'c1', name: 'get_weather', argumentsJson: '{}' }] },
        { role: 'tool', parts: [{ type: 'tool_result', callId: 'c1', name: 'get_weather', content: 'sunny' }] },
        { role: 'assistant', content: 'Sunny.' },
      ]);
      mock.script(
        w.name,
        { toolCalls: [{ id: 'call_r', name: 'get_weather', args: { city: 'Oslo' } }] },
        { text: 'Sunny!' },
      );
      const result = await replay(manager(), s.id, { provider: providerFor(w, mock), model: `${w.model}-2` });
      const sent = w.generations(mock).map((r) => JSON.stringify(r.body));
      assert.equal(sent.length, 2);
      for (const body of sent) assert.ok(body.includes('"get_weather"') && body.includes('Weather for a city'), body);
      assert.deepEqual(result.session.parameters, { tools: [WEATHER] }, 'the fork keeps the parameters');
      assert.equal(result.turns[0]!.replayed, 'Sunny!');
    });
  });
}

describe('model parameters: what a provider cannot take is said, not dropped', function () {
  this.timeout(20_000);
  const { mock, manager } = useMock();

  const turn = async (name: 'openai' | 'anthropic', parameters: ModelParameters) => {
    const w = wire(name);
    const s = await manager().create({ provider: name, model: w.model });
    await manager().setParameters(s.id, parameters);
    const warnings: string[] = [];
    const { reply } = await send(manager(), s.id, 'Hi', {
      provider: providerFor(w, mock),
      onEvent: (e) => void (e.type === 'warning' && warnings.push(e.message)),
    });
    return { body: w.generations(mock)[0]!.body, warnings, reply };
  };

  it('Anthropic: no temperature (its API refuses one), an explicit max below the budget raised above it', async () => {
    const { body, warnings, reply } = await turn('anthropic', {
      temperature: 0.3,
      maxOutputTokens: 1000,
      reasoning: { effort: 'high', budgetTokens: 5000 },
    });
    assert.equal('temperature' in body, false);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 5000 });
    assert.equal(body.max_tokens, 6000);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /no longer takes a temperature: the session's 0.3 was not sent/);
    assert.match(warnings[1]!, /must exceed the thinking budget \(5000\): sent max_tokens 6000/);
    assert.deepEqual(reply.metadata['warnings'], warnings);
  });

  it('OpenAI: a token budget and safety settings are named as not sent', async () => {
    const { body, warnings } = await turn('openai', {
      reasoning: { effort: 'low', budgetTokens: 3000 },
      safetySettings: SAFETY,
    });
    assert.deepEqual(body.reasoning, { effort: 'low' });
    assert.equal(body.safetySettings, undefined);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /Safety settings are Gemini's own: OpenAI has none, so the session's 1 were not sent/);
    assert.match(warnings[1]!, /the budget of 3000 tokens was not sent \(effort "low" was\)/);
  });
});

describe('model parameters: set, checked, stored', () => {
  const { mock, manager, dbPath } = useMock();

  it('refuses a bad tool name, a broken JSON Schema and out-of-range values, saying where', async () => {
    const s = await manager().create({ provider: 'openai', model: 'gpt' });
    const cases: Array<[unknown, RegExp]> = [
      [{ tools: [{ name: 'get weather' }] }, /tools\.0\.name: a tool name is 1–64 letters, digits, _ or -/],
      [
        { tools: [{ name: 'f', parameters: { type: 'object', properties: { city: { type: 'strin' } } } }] },
        /tools\.0\.parameters: not a usable JSON Schema: parameters\.properties\.city\.type: "strin" is not a JSON Schema type/,
      ],
      [
        { tools: [{ name: 'f', parameters: { type: 'object', required: 'city' } }] },
        /parameters\.required: expected a list of property names/,
      ],
      [{ tools: [{ name: 'f', parameters: { type: 'string' } }] }, /must be an object schema/],
      [{ tools: [WEATHER, WEATHER] }, /two tools have the same name/],
      [{ temperature: 3 }, /temperature: /],
      [{ reasoning: { effort: 'extreme' } }, /reasoning\.effort: /],
      [{ temprature: 1 }, /Unrecognized key.*temprature/],
    ];
    for (const [value, sentence] of cases)
      await expectCoreError(manager().setParameters(s.id, value as ModelParameters), 'InvalidInput', sentence);
    assert.equal(manager().get(s.id).parameters, undefined, 'nothing was stored');
  });

  it('replaces and clears them; an archived session is refused', async () => {
    const s = await manager().create({ provider: 'openai', model: 'gpt' });
    await manager().setParameters(s.id, { temperature: 1, tools: [WEATHER] });
    assert.deepEqual((await manager().setParameters(s.id, { temperature: 0.5 })).parameters, { temperature: 0.5 });
    assert.equal((await manager().setParameters(s.id, {})).parameters, undefined);
    await manager().archive(s.id);
    await expectCoreError(
      manager().setParameters(s.id, { temperature: 1 }),
      'SessionNotWritable',
      /is archived; unarchive it to change its model parameters/,
    );
  });

  it('survive closing and reopening the database, and are not settable through configure', async () => {
    const s = await manager().create({ provider: 'gemini', model: 'g' });
    await manager().setParameters(s.id, { safetySettings: SAFETY, tools: [WEATHER] });
    await manager().configure(s.id, { model: 'g2', parameters: { temperature: 9 } } as never);
    await manager().close();
    const again = await SessionManager.open(dbPath());
    try {
      assert.deepEqual(again.get(s.id).parameters, { safetySettings: SAFETY, tools: [WEATHER] });
      assert.equal(again.get(s.id).model, 'g2');
    } finally {
      await again.close();
    }
  });

  it('stored parameters that cannot be used open with a sentence, and a turn is refused before anything is stored', async () => {
    const s = await manager().create({ provider: 'openai', model: 'gpt', title: 'Planted' });
    const t = await manager().create({ provider: 'openai', model: 'gpt', title: 'Not JSON' });
    await manager().checkpoint();
    await manager().close();
    const hostile = JSON.stringify({ tools: [{ name: 'rm -rf', parameters: { type: 'object' } }] }).replace(/'/g, "''");
    await editFile(
      dbPath(),
      `UPDATE sessions SET parameters = '${hostile}' WHERE id = '${s.id}';
      UPDATE sessions SET parameters = '{"tools": [' WHERE id = '${t.id}'`,
    );
    const again = await SessionManager.open(dbPath());
    try {
      const planted = again.get(s.id);
      assert.equal(planted.parameters, undefined);
      assert.match(
        planted.parametersProblem!,
        /stored model parameters cannot be used \(tools\.0\.name: a tool name is/,
      );
      assert.match(again.get(t.id).parametersProblem!, /\(they are not valid JSON\)/);
      const provider = providerFor(wire('openai'), mock);
      await assert.rejects(send(again, s.id, 'Hi', { provider }), (e) => {
        assert.ok(isCoreError(e, 'InvalidInput'));
        assert.match(
          e.message,
          /^Session "Planted": Its stored model parameters cannot be used .* Nothing was sent\.$/,
        );
        return true;
      });
      await expectCoreError(replay(again, s.id, { provider, model: 'x' }), 'InvalidInput', /Nothing was sent/);
      assert.equal(again.allMessages(s.id).length, 0, 'the message was not stored');
      assert.equal(mock.requests.length, 0, 'no request was made');
      // Setting them again repairs the session.
      assert.deepEqual((await again.setParameters(s.id, { temperature: 1 })).parametersProblem, undefined);
    } finally {
      await again.close();
    }
  });
});

describe('model parameters: older databases and the worker', function () {
  this.timeout(60_000); // bounds a hang; a worker from TypeScript sources takes a second or two to start

  it('a database made before parameters (schema 2) opens, upgraded, its sessions without parameters', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    const tx: Tx = {
      run: (sql, params) => void db.run(sql, (params ?? undefined) as BindParams | undefined),
      all: () => [],
      get: () => undefined,
      changes: () => 0,
    };
    upgradeSchema(tx, 0, 2); // what the previous release created
    const now = '2026-11-01T00:00:00.000Z';
    db.run(
      `INSERT INTO sessions (id, title, provider, model, status, created_at, updated_at, last_activity_at) VALUES ('s1', 'Old', 'openai', 'gpt-4o', 'active', '${now}', '${now}', '${now}')`,
    );
    const file = tempDb();
    fs.writeFileSync(file, db.export());
    db.close();
    const m = await SessionManager.open(file);
    assert.equal(m.store.schemaVersion(), SCHEMA_VERSION);
    assert.equal(m.get('s1').parameters, undefined);
    await m.setParameters('s1', { temperature: 0.7 });
    await m.checkpoint();
    await m.close();
    const again = await SessionManager.open(file); // the upgraded snapshot passes the schema check
    assert.deepEqual(again.get('s1').parameters, { temperature: 0.7 });
    await again.close();
  });

  it('salvage copies them with their session', async () => {
    const file = tempDb();
    const m = await SessionManager.open(file);
    const s = await m.create({ provider: 'openai', model: 'gpt-4o' });
    await m.setParameters(s.id, { reasoning: { effort: 'minimal' }, tools: [WEATHER] });
    await m.checkpoint();
    await m.close();
    const target = tempDb('salvaged.sqlite');
    assert.equal((await salvage(file, target)).sessions, 1);
    const copy = await SessionManager.open(target);
    assert.deepEqual(copy.get(s.id).parameters, { reasoning: { effort: 'minimal' }, tools: [WEATHER] });
    await copy.close();
  });

  it('are set and read through the worker, and a bad one is refused there with the same sentence', async () => {
    const file = tempDb();
    const c = await SessionClient.open(file);
    try {
      const s = await c.create({ provider: 'anthropic', model: 'claude' });
      await c.setParameters(s.id, { reasoning: { effort: 'medium' }, tools: [WEATHER] });
      assert.deepEqual((await c.get(s.id)).parameters, { reasoning: { effort: 'medium' }, tools: [WEATHER] });
      await expectCoreError(
        c.setParameters(s.id, { maxOutputTokens: -1 }),
        'InvalidInput',
        /Invalid model parameters: maxOutputTokens: /,
      );
    } finally {
      await c.close();
    }
    const m = await SessionManager.open(file);
    assert.deepEqual(m.list().items.length, 1);
    assert.deepEqual(m.get(m.list().items[0]!.id).parameters?.reasoning, { effort: 'medium' });
    await m.close();
  });
});
