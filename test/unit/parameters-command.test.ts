// Set Model Parameters… without VS Code: its argument (src/extension/commands/args.ts SetParametersArg) refuses what
// the core would refuse, saying where; its input boxes' checks; its JSON document's text and the sentence a save of
// broken JSON gets (the line and column, and that nothing was saved).
import { strict as assert } from 'node:assert';
import { CoreError } from '../../src/core/errors';
import { SetParametersArg, command, parseArgs, sessionIdOf } from '../../src/extension/commands/args';
import {
  checkMaxTokens,
  checkTemperature,
  parametersText,
  parseParametersText,
} from '../../src/extension/commands/parameterInput';

const ID = 'langswarmSessions.setModelParameters';
const spec = command([SetParametersArg], async () => undefined);
const parse = (arg: unknown) => parseArgs(ID, spec, [arg])[0] as Record<string, any>;
const refusal = (arg: unknown): string => {
  try {
    parse(arg);
  } catch (e) {
    assert.ok(e instanceof CoreError && e.code === 'InvalidInput', String(e));
    return e.message;
  }
  assert.fail('accepted');
};

describe('Set Model Parameters… (without VS Code)', () => {
  it('takes a session row, an id, or { sessionId, parameters | edit }', () => {
    const row = { kind: 'session', id: 'x|s1', summary: { id: 's1', title: 'T', status: 'active' } };
    assert.equal(sessionIdOf(parse(row)), 's1');
    assert.equal(sessionIdOf(parse('s2')), 's2');
    const given = parse({ sessionId: 's3', parameters: { temperature: 0.5, tools: [{ name: 'lookup' }] } });
    assert.deepEqual(given['parameters'], {
      temperature: 0.5,
      tools: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }],
    });
    assert.equal(parse({ sessionId: 's3', parameters: null })['parameters'], null, 'null clears');
    assert.equal(parse({ sessionId: 's3', edit: 'json' })['edit'], 'json');
  });

  it('refuses bad parameters and options with the sentence naming them', () => {
    assert.match(
      refusal({ sessionId: 's', parameters: { tools: [{ name: 'bad name' }] } }),
      /^langswarmSessions\.setModelParameters was given a bad argument 1: parameters\.tools\.0\.name: a tool name is 1–64 letters/,
    );
    assert.match(
      refusal({
        sessionId: 's',
        parameters: { tools: [{ name: 'f', parameters: { type: 'object', properties: [] } }] },
      }),
      /parameters\.tools\.0\.parameters: not a usable JSON Schema: parameters\.properties: expected an object of schemas/,
    );
    assert.match(refusal({ sessionId: 's', parameters: { temperature: 'hot' } }), /parameters\.temperature: /);
    assert.match(refusal({ sessionId: 's', edit: 'yaml' }), /edit: expected "json"/);
    assert.match(refusal({ sessionId: 's', params: {} }), /unknown option "params"/);
  });

  it('checks what is typed in the input boxes: empty is the default, anything else in range', () => {
    for (const ok of ['', '0', '0.7', '2']) assert.equal(checkTemperature(ok), undefined, ok);
    for (const bad of ['-1', '2.5', 'hot']) assert.match(checkTemperature(bad)!, /from 0 to 2/, bad);
    for (const ok of ['', '1', '4096']) assert.equal(checkMaxTokens(ok), undefined, ok);
    for (const bad of ['0', '1.5', '2000000', 'many'])
      assert.match(checkMaxTokens(bad)!, /whole number from 1 to/, bad);
  });

  it('the JSON document: its text, and broken JSON located by line and column', () => {
    assert.equal(parametersText(undefined), '{}\n');
    assert.equal(parametersText({ temperature: 1 }), '{\n  "temperature": 1\n}\n');
    assert.deepEqual(parseParametersText('{"temperature": 1}'), { temperature: 1 });
    assert.throws(
      () => parseParametersText('{\n  "temperature": 0.2,\n}\n'),
      (e: unknown) => {
        assert.ok(e instanceof CoreError && e.code === 'InvalidInput');
        assert.match(
          e.message,
          /^The model parameters are not valid JSON at line 3, column 1: .+\. Nothing was saved; fix it and save again\.$/,
        );
        return true;
      },
    );
  });
});
