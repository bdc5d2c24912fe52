import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { credit, debit, reserve } from '../support/branches';
import { httpClient } from '../support/http';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

/** One exported span as OTLP/JSON encodes it, with the service that sent it. */
interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

function attributesOf(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue === undefined ? undefined : Number(value.intValue)) ??
        value.boolValue ??
        value.doubleValue,
    ]),
  );
}

/** An OTLP/HTTP receiver for `http/json`: keeps every span POSTed to /v1/traces. */
class SpanReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server = createServer((request, response) => {
    void this.receive(request).then(
      (status) => response.writeHead(status, { 'content-type': 'application/json' }).end('{}'),
      () => response.writeHead(400).end(),
    );
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The spans of `traceId` once `done` holds for them; fails with what arrived after a while. */
  async waitFor(
    traceId: string,
    done: (spans: ReceivedSpan[]) => boolean,
  ): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const spans = this.spans.filter((span) => span.traceId === traceId);
      if (done(spans)) return spans;
      if (Date.now() > deadline) {
        throw new Error(
          `trace ${traceId} incomplete: ${spans.map((s) => `${s.service}/${s.name}`).join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async receive(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/traces') return 404;
    if (!/json/.test(request.headers['content-type'] ?? '')) return 415;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = attributesOf(resourceSpans.resource?.attributes)['service.name'] as string;
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service,
            scope: scopeSpans.scope?.name ?? '',
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            attributes: attributesOf(span.attributes),
            links: span.links ?? [],
          });
        }
      }
    }
    return 200;
  }
}

/** A caller's span context, as its `traceparent` header carries it. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const named = (spans: ReceivedSpan[], name: string, service?: string) =>
  spans.filter((span) => span.name === name && (service === undefined || span.service === service));

describe('OpenTelemetry tracing across the coordinator and both participants', () => {
  const receiver = new SpanReceiver();
  let stack: Stack;
  const sku = 'traced-sku';

  beforeAll(async () => {
    const endpoint = await receiver.start();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
    stack = await startStack({
      name: 'tracing',
      env: { coordinator: otel, inventory: otel, account: otel },
    });
    await stack.seedStock(sku, 100);
    await stack.seedAccount('traced-buyer', 10_000);
    for (let n = 0; n < 8; n++) await stack.seedAccount(`traced-payee-${n}`, 0);
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  it('joins the caller trace: transaction, phases, calls, participant phases, barrier and SQL share its trace id', async () => {
    const caller = callerTrace();
    const response = await stack.coordinatorHttp.post(
      '/v1/transactions',
      { branches: [reserve(sku, 1), debit('traced-buyer', 100), credit('traced-payee-0', 100)] },
      { headers: { traceparent: caller.traceparent } },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('CONFIRMED');
    const id = response.body.id as string;

    const spans = await receiver.waitFor(
      caller.traceId,
      (got) =>
        named(got, 'tcc.transaction').length === 1 &&
        named(got, 'tcc.phase', 'inventory').length === 2 &&
        named(got, 'tcc.phase', 'account').length === 4 &&
        got.some((span) => span.service !== 'coordinator' && span.scope.includes('pg')),
    );

    const [transaction] = named(spans, 'tcc.transaction', 'coordinator');
    expect(transaction.parentSpanId).toBe(caller.spanId);
    expect(transaction.attributes).toMatchObject({
      'tcc.transaction.id': id,
      'tcc.transaction.status': 'CONFIRMED',
    });
    const [tryPhase] = named(spans, 'tcc.try', 'coordinator');
    const [confirmPhase] = named(spans, 'tcc.confirm', 'coordinator');
    expect(tryPhase.parentSpanId).toBe(transaction.spanId);
    expect(confirmPhase.parentSpanId).toBe(transaction.spanId);

    const calls = named(spans, 'tcc.call', 'coordinator');
    expect(calls).toHaveLength(6);
    for (const call of calls) {
      const phase = call.attributes['tcc.phase'];
      expect(call.parentSpanId).toBe(phase === 'try' ? tryPhase.spanId : confirmPhase.spanId);
      expect(call.attributes).toMatchObject({
        'tcc.transaction.id': id,
        'tcc.attempt': 1,
        'tcc.outcome': 'ok',
      });
      expect(['inventory', 'account']).toContain(call.attributes['tcc.participant']);
      expect(typeof call.attributes['tcc.branch.id']).toBe('string');
      // Each participant's phase span is the child of the coordinator's call span.
      const served = spans.filter(
        (span) => span.parentSpanId === call.spanId && span.service !== 'coordinator',
      );
      expect(served).toHaveLength(1);
      expect(served[0]).toMatchObject({
        name: 'tcc.phase',
        service: call.attributes['tcc.participant'],
        attributes: expect.objectContaining({
          'tcc.phase': phase,
          'tcc.action': call.attributes['tcc.action'],
          'tcc.branch.id': call.attributes['tcc.branch.id'],
        }),
      });
      const barriers = spans.filter(
        (span) => span.parentSpanId === served[0].spanId && span.name === 'tcc.barrier',
      );
      expect(barriers).toHaveLength(1);
    }
    const barrierIds = new Set(named(spans, 'tcc.barrier').map((span) => span.spanId));
    const participantSql = spans.filter(
      (span) => span.service !== 'coordinator' && span.scope.includes('pg'),
    );
    expect(participantSql.some((span) => barrierIds.has(span.parentSpanId))).toBe(true);
    expect(new Set(spans.map((span) => span.service))).toEqual(
      new Set(['coordinator', 'inventory', 'account']),
    );
  });

  it('starts a trace of its own for a malformed traceparent', async () => {
    const response = await stack.coordinatorHttp.post(
      '/v1/transactions',
      { branches: [reserve(sku, 1)] },
      { headers: { traceparent: '00-not-a-trace-01' } },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('CONFIRMED');
    let transaction: ReceivedSpan | undefined;
    for (let waited = 0; !transaction && waited < 200; waited++) {
      transaction = receiver.spans.find(
        (span) =>
          span.name === 'tcc.transaction' &&
          span.attributes['tcc.transaction.id'] === response.body.id,
      );
      if (!transaction) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(transaction?.parentSpanId).toBe('');
  });

  it('keeps each call of a batch in its own transaction trace', async () => {
    // Eight tries to one participant at once: more than the calls it may have in flight, so some go batched.
    const caller = callerTrace();
    const payees = Array.from({ length: 8 }, (_, n) => `traced-payee-${n}`);
    const response = await stack.coordinatorHttp.post(
      '/v1/transactions',
      { branches: payees.map((payee) => credit(payee, 1)) },
      { headers: { traceparent: caller.traceparent } },
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('CONFIRMED');

    const spans = await receiver.waitFor(
      caller.traceId,
      (got) =>
        named(got, 'tcc.call').length === 16 && named(got, 'tcc.phase', 'account').length === 16,
    );
    for (const call of named(spans, 'tcc.call')) {
      const served = named(spans, 'tcc.phase', 'account');
      expect(served.filter((span) => span.parentSpanId === call.spanId)).toHaveLength(1);
    }
    // The batches themselves are spans of their own, linked to the phase spans of their items.
    const served = new Set(named(spans, 'tcc.phase').map((span) => span.spanId));
    const batches = receiver.spans.filter(
      (span) =>
        span.name === 'tcc.batch' &&
        span.links.some((link) => link.traceId === caller.traceId && served.has(link.spanId)),
    );
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) expect(batch.traceId).not.toBe(caller.traceId);
  });

  it('links a recovery retry to the trace that began the transaction', async () => {
    const caller = callerTrace();
    // Interactive and never decided: recovery cancels it at its deadline, in a trace of its own.
    const response = await stack.coordinatorHttp.post(
      '/v1/transactions',
      { branches: [reserve(sku, 1)], autoCommit: false, timeoutMs: 300 },
      { headers: { traceparent: caller.traceparent } },
    );
    expect(response.status).toBe(201);
    const id = response.body.id as string;
    expect((await stack.waitForFinal(id)).status).toBe('CANCELLED');

    const begun = await receiver.waitFor(
      caller.traceId,
      (got) => named(got, 'tcc.transaction').length === 1,
    );
    const [transaction] = named(begun, 'tcc.transaction');
    let recovery: ReceivedSpan | undefined;
    for (let waited = 0; !recovery && waited < 200; waited++) {
      recovery = receiver.spans.find(
        (span) => span.name === 'tcc.recovery' && span.attributes['tcc.transaction.id'] === id,
      );
      if (!recovery) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovery).toBeDefined();
    expect(recovery!.traceId).not.toBe(caller.traceId);
    expect(recovery!.links).toContainEqual(
      expect.objectContaining({ traceId: caller.traceId, spanId: transaction.spanId }),
    );
    const retried = await receiver.waitFor(
      recovery!.traceId,
      (got) => named(got, 'tcc.phase', 'inventory').length === 1,
    );
    expect(named(retried, 'tcc.cancel', 'coordinator')).toHaveLength(1);
    expect(named(retried, 'tcc.call', 'coordinator')[0].attributes).toMatchObject({
      'tcc.phase': 'cancel',
      'tcc.participant': 'inventory',
    });
  });

  it('exports the spans it still holds when it is stopped', async () => {
    // A coordinator that would hold its spans for ten minutes: only the shutdown can export them.
    const holding = await stack.addCoordinator({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const caller = callerTrace();
    const response = await httpClient(holding.url, stack.secrets.apiKey).post(
      '/v1/transactions',
      { branches: [reserve(sku, 1)] },
      { headers: { traceparent: caller.traceparent } },
    );
    expect(response.body.status).toBe('CONFIRMED');
    await holding.stop();

    const spans = await receiver.waitFor(
      caller.traceId,
      (got) => named(got, 'tcc.transaction').length === 1,
    );
    expect(named(spans, 'tcc.transaction')[0].attributes['tcc.transaction.id']).toBe(
      response.body.id,
    );
  });
});
