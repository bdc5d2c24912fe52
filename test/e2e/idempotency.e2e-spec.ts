import type { TransactionView } from '@app/protocol';
import { transfer } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

describe('idempotency keys', () => {
  let stack: Stack;
  const from = 'idem-from';
  const to = 'idem-to';

  beforeAll(async () => {
    stack = await startStack({ name: 'idempotency' });
    await stack.seedAccount(from, 10_000);
    await stack.seedAccount(to, 10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('replays the same transaction with Idempotent-Replayed: true and runs nothing twice', async () => {
    const request = { branches: transfer(from, to, 1_000) };

    const first = await stack.api.beginTransaction(request, { idempotencyKey: 'idem-replay' });
    const second = await stack.api.beginTransaction(request, { idempotencyKey: 'idem-replay' });

    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const [a, b] = [first.body as TransactionView, second.body as TransactionView];
    expect(b.id).toBe(a.id);
    expect(b.status).toBe('CONFIRMED');
    expect(await stack.account(from)).toMatchObject({ balance: 9_000 });
    expect(await stack.account(to)).toMatchObject({ balance: 11_000 });
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED when the same key comes with a different body', async () => {
    await stack.api.beginTransaction(
      { branches: transfer(from, to, 10) },
      { idempotencyKey: 'idem-reused' },
    );

    const reused = await stack.api.beginTransaction(
      { branches: transfer(from, to, 20) },
      { idempotencyKey: 'idem-reused' },
    );

    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
  });

  it('turns 10 concurrent duplicates into one transaction', async () => {
    const request = { branches: transfer(from, to, 7) };
    const before = (await stack.transactions()).length;
    const balanceBefore = (await stack.account(from)).balance;

    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        stack.api.beginTransaction(request, { idempotencyKey: 'idem-concurrent' }),
      ),
    );

    for (const response of responses) expect([200, 202]).toContain(response.status);
    const ids = new Set(responses.map((response) => (response.body as TransactionView).id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await stack.waitForFinal(id)).toMatchObject({ status: 'CONFIRMED' });
    expect((await stack.transactions()).length).toBe(before + 1);
    expect(await stack.account(from)).toMatchObject({ balance: balanceBefore - 7 });
    expect(
      responses.filter((response) => response.headers['idempotent-replayed'] === 'true').length,
    ).toBeGreaterThanOrEqual(9);
  });

  it('keeps the balances consistent with the log', async () => {
    await stack.checkInvariants({ accounts: { [from]: 10_000, [to]: 10_000 } });
  });
});
