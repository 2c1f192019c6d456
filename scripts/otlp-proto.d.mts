// Types of scripts/otlp-proto.mjs for the test that checks the committed descriptor.
export function otlpDescriptor(): Record<string, unknown>;
