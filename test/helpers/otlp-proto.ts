// Checks an OTLP/JSON document against the official protobuf definitions (src/core/otlp/proto, the receiver's,
// copied from open-telemetry/opentelemetry-proto v1.11.0): every key must be a field of its message, the whole
// must verify, and JSON → protobuf binary → JSON must give back exactly the document (nothing dropped,
// nothing of the wrong type). Ids are hex in OTLP/JSON (not base64 as in plain proto3 JSON).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

const PROTO_DIR = path.resolve(__dirname, '../../src/core/otlp/proto');
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

let requestType: protobuf.Type | undefined;
function exportRequest(): protobuf.Type {
  if (requestType) return requestType;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  root.resolveAll();
  requestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  return requestType;
}

/** Every key is a field of its message type; enums are integers (OTLP/JSON), ids are hex of the right length. */
function checkKeys(type: protobuf.Type, value: Record<string, unknown>, at: string): void {
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    assert.ok(field, `${at}.${key} is not a field of ${type.fullName}`);
    field.resolve();
    if (field.repeated) assert.ok(Array.isArray(v), `${at}.${key} is repeated`);
    const items = field.repeated ? (v as unknown[]) : [v];
    for (const [i, item] of items.entries()) {
      const here = field.repeated ? `${at}.${key}[${i}]` : `${at}.${key}`;
      if (ID_FIELDS.has(key))
        assert.match(item as string, key === 'traceId' ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/, here);
      else if (field.resolvedType instanceof protobuf.Type)
        checkKeys(field.resolvedType, item as Record<string, unknown>, here);
      else if (field.resolvedType instanceof protobuf.Enum)
        assert.ok(Number.isInteger(item), `${here} is an enum: an integer in OTLP/JSON`);
    }
  }
}

const mapIds = (doc: unknown, convert: (s: string) => string): unknown =>
  JSON.parse(JSON.stringify(doc), (key, v) => (ID_FIELDS.has(key) && typeof v === 'string' ? convert(v) : v));

/** Asserts `doc` is a valid ExportTraceServiceRequest in OTLP/JSON and survives the protobuf round trip whole. */
export function assertValidOtlp(doc: unknown): void {
  const type = exportRequest();
  checkKeys(type, doc as Record<string, unknown>, 'request');
  const withBase64 = mapIds(doc, (hex) => Buffer.from(hex, 'hex').toString('base64')) as Record<string, unknown>;
  const problem = type.verify(type.fromObject(withBase64));
  assert.equal(problem, null, `protobuf: ${problem}`);
  const binary = type.encode(type.fromObject(withBase64)).finish();
  const back = type.toObject(type.decode(binary), { longs: String, enums: Number, bytes: String });
  assert.deepEqual(
    mapIds(back, (b64) => Buffer.from(b64, 'base64').toString('hex')),
    doc,
  );
}
