import { ConfigError, Env, parseHttpUrl } from '@app/config';

/** The OTLP encodings this project exports: JSON and protobuf over HTTP (no gRPC). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** What {@link readTracingSettings} found: tracing is on. */
export interface TracingSettings {
  protocol: OtlpProtocol;
  /** `OTEL_SERVICE_NAME`, else the app's own name. */
  serviceName: string;
}

/**
 * Reads the standard OpenTelemetry variables. Tracing is on only when an
 * OTLP endpoint is set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) and `OTEL_SDK_DISABLED` is not `true`;
 * null otherwise. The exporter itself reads the endpoint, headers and
 * timeout variables; this checks what would otherwise fail later, quietly.
 */
export function readTracingSettings(env: Env, appName: string): TracingSettings | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const value = env[name]?.trim();
    if (value) parseHttpUrl(value, name);
  }
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) {
    return null;
  }
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim()
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const raw = env[variable]?.trim() || 'http/protobuf';
  const protocol = OTLP_PROTOCOLS.find((known) => known === raw);
  if (!protocol) {
    throw new ConfigError(variable, `must be one of ${OTLP_PROTOCOLS.join(', ')}, got "${raw}"`);
  }
  return { protocol, serviceName: env.OTEL_SERVICE_NAME?.trim() || appName };
}
