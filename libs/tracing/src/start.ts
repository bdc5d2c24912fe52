import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Env, loadConfigOrExit } from '@app/config';
import { readTracingSettings, TracingSettings } from './settings';

let provider: NodeTracerProvider | null = null;

/**
 * Starts tracing when the OTEL_* variables ask for it; without them nothing
 * of the SDK is loaded and every span is the API's no-op. Call it before
 * anything requires `pg`: the pg instrumentation patches the module as it
 * loads. Invalid settings stop the process with one line naming the
 * variable, like every other configuration error.
 */
export function startTracing(appName: string, env: Env = process.env): TracingSettings | null {
  const settings = loadConfigOrExit(() => readTracingSettings(env, appName));
  if (settings && !provider) provider = register(settings);
  return settings;
}

/** Exports the spans still buffered and stops tracing; nothing to do when it never started. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = null;
  await stopping?.shutdown();
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
function register(settings: TracingSettings): NodeTracerProvider {
  const { BatchSpanProcessor, NodeTracerProvider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME } =
    require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  // Both exporters read the endpoint, headers and timeout from the OTEL_EXPORTER_OTLP_* variables.
  const { OTLPTraceExporter } = (
    settings.protocol === 'http/json'
      ? require('@opentelemetry/exporter-trace-otlp-http')
      : require('@opentelemetry/exporter-trace-otlp-proto')
  ) as typeof import('@opentelemetry/exporter-trace-otlp-http');

  const traced = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES may add to the resource; OTEL_SERVICE_NAME is already in the name.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName })),
    // Delay and batch sizes from OTEL_BSP_*.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context: what `traceparent` carries in and out.
  traced.register();
  registerInstrumentations({
    tracerProvider: traced,
    instrumentations: [
      new PgInstrumentation({
        // Only SQL run for a traced request or phase: the recovery loop's polling would drown the traces.
        requireParentSpan: true,
        ignoreConnectSpans: true,
      }),
    ],
  });
  return traced;
}
/* eslint-enable @typescript-eslint/no-require-imports */
