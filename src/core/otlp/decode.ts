// Decodes an OTLP/HTTP trace export (ExportTraceServiceRequest) in protobuf or JSON into plain spans, with
// protobufjs and the official OTLP .proto files (opentelemetry-proto v1.11.0, vendored in ./proto and
// compiled to ./otlp-proto.json by scripts/otlp-proto.mjs). Why not @opentelemetry/otlp-transformer: since
// 0.2xx it only serializes (the SDK's side) with a hand-written writer and has no request decoder.
// Both encodings go through the same generated message type, so they are checked alike: a payload of the
// wrong shape is an InvalidInput error (the receiver answers 400 and stores nothing).
import protobuf from 'protobufjs';
import { CoreError } from '../errors';
import descriptor from './otlp-proto.json';

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ExportRequest = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const ExportResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
/** google.rpc.Status, the body OTLP/HTTP asks for on a 4xx/5xx (only its two plain fields; details stay empty). */
const RpcStatus = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(RpcStatus);

export type Encoding = 'protobuf' | 'json';
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpSpan {
  /** Lowercase hex; empty when the sender's id had the wrong length (the span is then rejected). */
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: Array<{ name: string; timeMs: number; attributes: Attributes }>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Attributes;
  scope: { name: string; version: string };
}

// The shapes protobufjs's toObject returns (longs and enums as numbers or strings, bytes as base64).
type Long = string | number;
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Long;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: string;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue;
}
interface PbSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Long;
  endTimeUnixNano?: Long;
  attributes?: PbKeyValue[];
  events?: Array<{ name?: string; timeUnixNano?: Long; attributes?: PbKeyValue[] }>;
  status?: { code?: number; message?: string };
}
interface PbRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: PbKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: PbSpan[] }>;
  }>;
}

const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false } as const;

/** The spans of one export request; throws InvalidInput with a sentence for anything that is not one. */
export function decodeTraces(body: Uint8Array, encoding: Encoding): OtlpSpan[] {
  let message: protobuf.Message;
  try {
    message = encoding === 'protobuf' ? ExportRequest.decode(body) : ExportRequest.fromObject(parseJson(body));
  } catch (e) {
    if (e instanceof CoreError) throw e;
    const what = encoding === 'protobuf' ? 'an OTLP protobuf' : 'OTLP JSON';
    throw new CoreError('InvalidInput', `The request body is not ${what} trace export: ${(e as Error).message}.`);
  }
  const request = ExportRequest.toObject(message, TO_OBJECT) as PbRequest;
  const spans: OtlpSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) spans.push(toSpan(s, resource, scope));
    }
  }
  return spans;
}

/** The success answer, in the request's encoding; `rejected` spans make it a partial success. */
export function encodeResponse(encoding: Encoding, rejected: number, errorMessage: string): Uint8Array {
  const partial = rejected > 0 ? { partialSuccess: { rejectedSpans: rejected, errorMessage } } : {};
  if (encoding === 'protobuf') return ExportResponse.encode(ExportResponse.fromObject(partial)).finish();
  const json = rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage } } : {};
  return Buffer.from(JSON.stringify(json));
}

/** A refusal's body (google.rpc.Status), in the request's encoding when it is known. */
export function encodeStatus(encoding: Encoding | undefined, grpcCode: number, message: string): Uint8Array {
  if (encoding === 'protobuf') return RpcStatus.encode({ code: grpcCode, message }).finish();
  return Buffer.from(JSON.stringify({ code: grpcCode, message }));
}

function parseJson(body: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw new CoreError('InvalidInput', `The request body is not JSON: ${(e as Error).message}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CoreError('InvalidInput', 'The request body is not an OTLP JSON trace export: it is not an object.');
  hexIdsToBase64(value as PbRequest);
  return value as Record<string, unknown>;
}

/**
 * OTLP/JSON spells trace and span ids as hex, where protobuf's JSON mapping (what fromObject reads) wants
 * base64 for bytes: convert them in place before the generated type reads the rest.
 */
function hexIdsToBase64(request: PbRequest): void {
  const fix = (o: Record<string, unknown>, key: string) => {
    const v = o[key];
    if (typeof v !== 'string') return;
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(v))
      throw new CoreError('InvalidInput', `The span field ${key} is not hex: "${v.slice(0, 40)}".`);
    o[key] = Buffer.from(v, 'hex').toString('base64');
  };
  const field = (o: unknown, key: string): unknown[] => {
    const v = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
    return Array.isArray(v) ? v : [];
  };
  for (const rs of field(request, 'resourceSpans'))
    for (const ss of field(rs, 'scopeSpans'))
      for (const s of field(ss, 'spans')) {
        if (typeof s !== 'object' || s === null) continue;
        for (const key of ['traceId', 'spanId', 'parentSpanId']) fix(s as Record<string, unknown>, key);
        for (const link of field(s, 'links'))
          if (typeof link === 'object' && link !== null)
            for (const key of ['traceId', 'spanId']) fix(link as Record<string, unknown>, key);
      }
}

function toSpan(s: PbSpan, resource: Attributes, scope: OtlpSpan['scope']): OtlpSpan {
  const span: OtlpSpan = {
    traceId: hexId(s.traceId, 16),
    spanId: hexId(s.spanId, 8),
    name: s.name ?? '',
    kind: Number(s.kind ?? 0),
    startMs: nanosToMs(s.startTimeUnixNano),
    endMs: nanosToMs(s.endTimeUnixNano),
    attributes: attributes(s.attributes),
    events: (s.events ?? []).map((e) => ({
      name: e.name ?? '',
      timeMs: nanosToMs(e.timeUnixNano),
      attributes: attributes(e.attributes),
    })),
    status: { code: Number(s.status?.code ?? 0), message: s.status?.message ?? '' },
    resource,
    scope,
  };
  const parent = s.parentSpanId ? hexId(s.parentSpanId, 8) : '';
  if (parent) span.parentSpanId = parent;
  return span;
}

/** The id as hex, or '' when it has the wrong length or is all zeros (OTLP's "invalid id"). */
function hexId(base64: string | undefined, bytes: number): string {
  const raw = Buffer.from(base64 ?? '', 'base64');
  return raw.length === bytes && raw.some((b) => b !== 0) ? raw.toString('hex') : '';
}

/** Milliseconds since 1970 (a fixed64 of nanoseconds: always within what a Date holds). */
function nanosToMs(nanos: Long | undefined): number {
  if (nanos === undefined) return 0;
  const n = BigInt(nanos);
  return Number(n / 1_000_000n) + Number(n % 1_000_000n) / 1e6;
}

function attributes(list: PbKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  // defineProperty: a key named __proto__ is data here, never the object's prototype.
  for (const kv of list ?? [])
    if (kv.key) Object.defineProperty(out, kv.key, { value: anyValue(kv.value), enumerable: true, writable: true });
  return out;
}

function anyValue(v: PbAnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}
