// Regenerates src/core/otlp/otlp-proto.json (protobufjs's JSON descriptor) from the official OTLP .proto
// files vendored in src/core/otlp/proto/ (opentelemetry-proto v1.11.0; then `npx biome format --write` it). The
// receiver loads the JSON, so the bundles need no .proto files at run time; test/unit/otlp-decode.test.ts checks
// the two never drift.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoDir = fileURLToPath(new URL('../src/core/otlp/proto/', import.meta.url));
export function otlpDescriptor() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => protoDir + target;
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return root.toJSON();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = new URL('../src/core/otlp/otlp-proto.json', import.meta.url);
  writeFileSync(out, `${JSON.stringify(otlpDescriptor())}\n`);
}
