// Asserting that an operation fails with a core error of a given code and sentence.
import { strict as assert } from 'node:assert';
import { isCoreError } from '../../src/core/errors';

export async function expectCoreError(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(isCoreError(e), `expected CoreError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  return assert.fail(`expected ${code}`);
}
