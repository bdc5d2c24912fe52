import {
  Context,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanOptions,
  SpanStatusCode,
  Tracer,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';

// Only @opentelemetry/api here: without a registered SDK every call below is its cheap no-op.

/** The W3C Trace Context header a phase call and `POST /v1/transactions` carry. */
export const TRACEPARENT_HEADER = 'traceparent';

/** Options of {@link inSpan}: the span's own, and the context it continues (the active one by default). */
export interface InSpanOptions extends SpanOptions {
  parent?: Context;
  /** Errors that are answers rather than failures (a refused try): rethrown without marking the span. */
  answers?: (error: unknown) => boolean;
}

/**
 * Runs `work` inside a new active span, which ends when `work` settles; a
 * thrown error is recorded on it and rethrown.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  { parent, answers, ...options }: InSpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (!answers?.(error)) markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Records `error` on `span` and marks it failed. */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The `traceparent` of the span active in `ctx`; null without one (tracing off). */
export function traceparentOf(ctx: Context = context.active()): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier[TRACEPARENT_HEADER] ?? null;
}

/** Adds the active span's trace context headers to `headers`. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/**
 * The context that continues a received `traceparent` (and `tracestate`);
 * `base` unchanged when there is none or it is malformed.
 */
export function continuedFrom(
  headers: { traceparent?: unknown; tracestate?: unknown },
  base: Context = context.active(),
): Context {
  const carrier: Record<string, string> = {};
  if (typeof headers.traceparent === 'string') carrier.traceparent = headers.traceparent;
  if (typeof headers.tracestate === 'string') carrier.tracestate = headers.tracestate;
  return carrier.traceparent ? propagation.extract(base, carrier) : base;
}

/** A span link to the span a stored `traceparent` names; none when it is absent or malformed. */
export function linksTo(traceparent: string | null | undefined): Link[] {
  if (!traceparent) return [];
  const linked = trace.getSpanContext(continuedFrom({ traceparent }, ROOT_CONTEXT));
  return linked && isSpanContextValid(linked) ? [{ context: linked }] : [];
}

/** Runs `work` with `ctx` active, so the spans it starts continue that trace. */
export function withContext<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}
