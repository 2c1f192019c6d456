// The trace retention settings: what package.json offers is what the extension parses, and how the two numbers
// become the store's retention (0 turns a limit off; both off: no pruning at all).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Settings, traceRetentionOf } from '../../src/settings';

const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const contributed: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;

describe('trace retention settings', () => {
  it('defaults in package.json are the parsed defaults', () => {
    const parsed = Settings.parse({});
    for (const key of ['traceRetentionDays', 'traceRetentionMegabytes'] as const)
      assert.equal(contributed[`langswarmSessions.${key}`]?.default, parsed[key], key);
  });

  it('turns 0 into "no limit", keeps the others, and drops a bad value for its default', () => {
    assert.equal(traceRetentionOf({ traceRetentionDays: 0, traceRetentionMegabytes: 0 }), undefined);
    assert.deepEqual(traceRetentionOf({ traceRetentionDays: 30, traceRetentionMegabytes: 0 }), {
      maxAgeDays: 30,
      maxMegabytes: undefined,
    });
    assert.deepEqual(traceRetentionOf(Settings.parse({ traceRetentionDays: -5, traceRetentionMegabytes: 'lots' })), {
      maxAgeDays: undefined,
      maxMegabytes: 256,
    });
  });
});
