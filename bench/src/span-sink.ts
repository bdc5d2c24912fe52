import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inSpan } from '@app/tracing';
import { trace } from '@opentelemetry/api';

/** What the apps exported to a {@link SpanSink}. */
export interface Exported {
  requests: number;
  bytes: number;
}

/** A local OTLP/HTTP endpoint that accepts and discards spans: what tracing costs without a collector's own cost. */
export interface SpanSink {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** What arrived since the last call. */
  take(): Exported;
  stop(): Promise<void>;
}

export async function startSpanSink(): Promise<SpanSink> {
  let exported: Exported = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (exported.bytes += chunk.length));
    request.on('end', () => {
      exported.requests += 1;
      // An empty body is an empty ExportTraceServiceResponse in protobuf: all spans accepted.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const taken = exported;
      exported = { requests: 0, bytes: 0 };
      return taken;
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Nanoseconds one span costs with tracing off: `inSpan` around an empty
 * async function on the API's no-op tracer (this process registers no SDK),
 * less the same function called bare.
 */
export async function noopSpanNs(rounds = 200_000): Promise<number> {
  const tracer = trace.getTracer('bench');
  const work = () => Promise.resolve(0);
  const time = async (run: () => Promise<unknown>): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await run();
    return Number(process.hrtime.bigint() - started) / rounds;
  };
  // Warm both paths up before timing either.
  await time(() => inSpan(tracer, 'bench', {}, work));
  await time(work);
  return Math.max(0, (await time(() => inSpan(tracer, 'bench', {}, work))) - (await time(work)));
}
