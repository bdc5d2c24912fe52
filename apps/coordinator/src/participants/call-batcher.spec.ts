import type { PhaseBatchItem } from '@app/protocol';
import {
  BatchTransport,
  CallLane,
  MAX_BATCHES_IN_FLIGHT,
  QueuedCall,
  SentCall,
} from './call-batcher';

/** A transport whose requests stay open until the test answers them. */
class HeldTransport implements BatchTransport {
  readonly singles: { call: QueuedCall; answer(sent: SentCall): void }[] = [];
  readonly batches: {
    items: PhaseBatchItem[];
    answer(result: { status: number; text: string } | { failed: SentCall['outcome'] }): void;
  }[] = [];

  single(call: QueuedCall): Promise<SentCall> {
    return new Promise((answer) => this.singles.push({ call, answer }));
  }

  batch(raw: Buffer) {
    const { items } = JSON.parse(raw.toString()) as { items: PhaseBatchItem[] };
    return new Promise<{ status: number; text: string } | { failed: SentCall['outcome'] }>(
      (answer) => this.batches.push({ items, answer }),
    );
  }
}

const call = (n: number, deadlineMs?: number): QueuedCall => ({
  action: 'debit',
  phase: deadlineMs === undefined ? 'confirm' : 'try',
  body: { transactionId: `t-${n}`, branchId: `b-${n}`, payload: { n } },
  deadlineMs,
});
const ok: SentCall = { outcome: { kind: 'ok' }, status: 200 };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CallLane', () => {
  it('sends a lone call at once, alone, and batches only what queues while every slot is busy', async () => {
    const transport = new HeldTransport();
    const lane = new CallLane(transport);
    const first = Array.from({ length: MAX_BATCHES_IN_FLIGHT }, (_, n) => lane.submit(call(n)));
    expect(transport.singles).toHaveLength(MAX_BATCHES_IN_FLIGHT);
    const queued = [lane.submit(call(10, 1234)), lane.submit(call(11)), lane.submit(call(12))];
    expect(transport.batches).toHaveLength(0);

    transport.singles[0].answer(ok);
    await first[0];
    await settle();
    expect(transport.batches).toHaveLength(1);
    expect(transport.batches[0].items).toEqual([
      { action: 'debit', phase: 'try', deadline: 1234, body: call(10).body },
      { action: 'debit', phase: 'confirm', body: call(11).body },
      { action: 'debit', phase: 'confirm', body: call(12).body },
    ]);
    transport.batches[0].answer({
      status: 200,
      text: JSON.stringify({
        results: [
          { status: 200, body: { outcome: 'ok', repeated: false } },
          { status: 409, body: { code: 'INSUFFICIENT_BALANCE', detail: 'not enough' } },
          { status: 500, body: { code: 'INTERNAL', detail: 'boom' } },
        ],
      }),
    });
    expect(await Promise.all(queued)).toEqual([
      ok,
      {
        outcome: {
          kind: 'refused',
          status: 409,
          code: 'INSUFFICIENT_BALANCE',
          detail: 'not enough',
        },
        status: 409,
      },
      { outcome: { kind: 'unknown', error: 'HTTP 500: boom' }, status: 500 },
    ]);
  });

  it.each([
    ['a timeout', { failed: { kind: 'unknown' as const, error: 'no answer within 5000 ms' } }],
    ['a 5xx', { status: 503, text: '{"detail":"busy"}' }],
    ['a 400 of the whole batch', { status: 400, text: '{"detail":"bad batch"}' }],
    ['too few results', { status: 200, text: '{"results":[{"status":200,"body":{}}]}' }],
    ['a body that is not JSON', { status: 200, text: 'oops' }],
  ])('leaves every call of a batch unknown after %s', async (_, answer) => {
    const transport = new HeldTransport();
    const lane = new CallLane(transport);
    const busy = Array.from({ length: MAX_BATCHES_IN_FLIGHT }, (_, n) => lane.submit(call(n)));
    const queued = [lane.submit(call(10)), lane.submit(call(11))];
    transport.singles.forEach((single) => single.answer(ok));
    await Promise.all(busy);
    await settle();
    transport.batches[0].answer(answer);
    for (const sent of await Promise.all(queued)) expect(sent.outcome.kind).toBe('unknown');
  });
});
