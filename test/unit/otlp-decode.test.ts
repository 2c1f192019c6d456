// The OTLP decoder: its protobufjs descriptor is exactly what the vendored official .proto files compile to
// (scripts/otlp-proto.mjs), and what a span says is data, never code or prototype.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeTraces } from '../../src/core/otlp/decode';

describe('OTLP decoding', () => {
  it('uses the descriptor the vendored opentelemetry-proto files compile to (regenerate with node scripts/otlp-proto.mjs)', async () => {
    const { otlpDescriptor } = await import('../../scripts/otlp-proto.mjs');
    const committed = fs.readFileSync(path.join(__dirname, '../../src/core/otlp/otlp-proto.json'), 'utf8');
    assert.deepEqual(JSON.parse(committed), JSON.parse(JSON.stringify(otlpDescriptor())));
  });

  it('keeps an attribute named __proto__ as data: no span gains a prototype from what it was sent', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: '00f067aa0ba902b7',
                  name: 'x',
                  attributes: [
                    {
                      key: '__proto__',
                      value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const [span] = decodeTraces(Buffer.from(body), 'json');
    assert.equal((span!.attributes as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(span!.attributes, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
