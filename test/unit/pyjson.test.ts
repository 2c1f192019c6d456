// Python-written JSON: read without loss (NaN/Infinity, 1.0, big integers), written back as json.dumps does.
import { strict as assert } from 'node:assert';
import { isCoreError } from '../../src/core/errors';
import { dumpPythonJson, parsePythonJson, pyNumber } from '../../src/core/langswarm/pyjson';
import { python } from '../helpers/langswarm';

/** What Python's json.dumps writes for the value `expression` (a Python literal). */
const pythonDumps = (expression: string) => python(`import json,sys; sys.stdout.write(json.dumps(${expression}))`);

describe('Python JSON', () => {
  it('reads bare NaN, Infinity and -Infinity outside strings, and leaves them alone inside strings', () => {
    const text = '{"a": NaN, "b": [Infinity, -Infinity], "s": "NaN and -Infinity stay text", "n": {"x": 1}}';
    const { value, specials } = parsePythonJson(text);
    const v = value as Record<string, unknown>;
    assert.ok(Number.isNaN(v['a']));
    assert.deepEqual(v['b'], [Infinity, -Infinity]);
    assert.equal(v['s'], 'NaN and -Infinity stay text');
    assert.deepEqual(specials, { '/a': 'NaN', '/b/0': 'Infinity', '/b/1': '-Infinity' });
    assert.equal(dumpPythonJson(value, specials), text);
  });

  it('keeps what a JS number cannot: 1.0, -0.0, 1e+16 and integers beyond 2^53', () => {
    const text = pythonDumps(
      '{"f": 1.0, "z": -0.0, "e": 1e16, "big": 123456789012345678901, "neg": -9007199254740993, "ok": 0.75, "i": 42}',
    );
    const { value, specials } = parsePythonJson(text);
    assert.deepEqual(Object.keys(specials ?? {}).sort(), ['/big', '/e', '/f', '/neg', '/z']);
    assert.equal(dumpPythonJson(value, specials), text);
    // Stored values go through JSON.stringify: NaN and Infinity come back as null and are still restored.
    const stored = JSON.parse(JSON.stringify(parsePythonJson('{"x": [NaN, 1.5, Infinity]}').value)) as unknown;
    assert.equal(dumpPythonJson(stored, { '/x/0': 'NaN', '/x/2': 'Infinity' }), '{"x": [NaN, 1.5, Infinity]}');
  });

  it('writes numbers, strings and structure byte for byte as json.dumps', () => {
    const expression = `{"floats": [0.1, 0.75, 129.5, 1e-05, 0.0001, 1.5e16, 1e22, -2.5e-10, 3.0, 1234567.125, 1/3],
      "ints": [0, -1, 10**20], "text": "\\u00e5\\u00e4\\u00f6 \\U0001F680 \\u200b \\u2028 \\x00\\x1b[31m \\x7f tab\\t nl\\n quote\\" back\\\\ /",
      "lone": "\\ud800x\\udfff", "empty": [{}, []], "t": True, "f": False, "n": None, "nested": {"a": {"b": [1, {"c": "d"}]}}}`;
    const text = pythonDumps(expression);
    const { value, specials } = parsePythonJson(text);
    assert.equal(dumpPythonJson(value, specials), text);
  });

  it('formats floats as Python repr does', () => {
    // Doubles above 2^53 are all integral: Python writes them as floats only because they were floats (see specials).
    const values = [
      0.1,
      0.2 + 0.1,
      1 / 3,
      2 / 3,
      1e-7,
      123e-20,
      5e-324,
      -2.2250738585072014e-308,
      1e15 + 0.5,
      0.000123,
      12345.678,
    ];
    assert.equal(
      `[${values.map(pyNumber).join(', ')}]`,
      pythonDumps(`[${values.map((v) => v.toExponential()).join(', ')}]`),
    );
  });

  it('reads what JSON.parse reads the same way (fast path) and keeps "__proto__" as a plain key', () => {
    const text = '{"__proto__": {"polluted": true}, "a": [1, 2.5, "x"], "u": "\\ud83d\\ude80"}';
    const { value } = parsePythonJson(text);
    assert.deepEqual(value, JSON.parse(text));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const slow = parsePythonJson(`${text.slice(0, -1)}, "nan": NaN}`).value as Record<string, unknown>;
    assert.deepEqual(Object.getOwnPropertyNames(slow), ['__proto__', 'a', 'u', 'nan']);
  });

  it('says where invalid JSON is wrong', () => {
    for (const [text, where] of [
      ['{"a": 1,}', /line 1, character 9/],
      ['{"a": [1, 2}', /expected ',' or '\]'/],
      ['{"a": "open', /unterminated string/],
      ['', /the text ends there/],
      ['{"a": nan}', /unexpected token/],
    ] as const) {
      assert.throws(
        () => parsePythonJson(text),
        (e: unknown) => isCoreError(e, 'ImportRejected') && where.test(e.message),
        text,
      );
    }
  });
});
