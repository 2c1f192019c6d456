// Real OTLP producers for the receiver's tests and bench: the OpenTelemetry JS SDK with its OTLP/HTTP
// exporters (JSON or protobuf), pointed at a receiver on 127.0.0.1.
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export type ExportEncoding = 'json' | 'protobuf';

/** A tracer provider exporting each span as it ends (SimpleSpanProcessor) to `url`/v1/traces. */
export function otelProvider(
  url: string,
  encoding: ExportEncoding,
  options: { service?: string; headers?: Record<string, string>; gzip?: boolean } = {},
): BasicTracerProvider {
  const config = {
    url: `${url}/v1/traces`,
    headers: options.headers ?? {},
    ...(options.gzip ? { compression: 'gzip' as never } : {}),
  };
  const exporter = encoding === 'json' ? new JsonExporter(config) : new ProtoExporter(config);
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service ?? 'test-app' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

/** A GenAI span in the current convention (gen_ai.input.messages / gen_ai.output.messages as JSON). */
export function chatSpan(
  provider: BasicTracerProvider,
  call: {
    conversation?: string;
    input: unknown[];
    output: unknown[];
    model?: string;
    usage?: { input: number; output: number; cacheRead?: number };
  },
): void {
  const span = provider.getTracer('test').startSpan(`chat ${call.model ?? 'gpt-test'}`);
  span.setAttributes({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': call.model ?? 'gpt-test',
    'gen_ai.response.model': `${call.model ?? 'gpt-test'}-2026`,
    'gen_ai.input.messages': JSON.stringify(call.input),
    'gen_ai.output.messages': JSON.stringify(call.output),
    ...(call.conversation ? { 'gen_ai.conversation.id': call.conversation } : {}),
    ...(call.usage
      ? {
          'gen_ai.usage.input_tokens': call.usage.input,
          'gen_ai.usage.output_tokens': call.usage.output,
          ...(call.usage.cacheRead !== undefined
            ? { 'gen_ai.usage.cache_read.input_tokens': call.usage.cacheRead }
            : {}),
        }
      : {}),
  });
  span.end();
}

export const user = (text: string) => ({ role: 'user', parts: [{ type: 'text', content: text }] });
export const assistant = (text: string, finish = 'stop') => ({
  role: 'assistant',
  parts: [{ type: 'text', content: text }],
  finish_reason: finish,
});
