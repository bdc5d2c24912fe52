import { randomUUID } from 'node:crypto';
import type { TransactionView } from '@app/protocol';
import { transfer } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

const PROBLEM_JSON = /^application\/problem\+json/;

describe('bad input over real HTTP', () => {
  let stack: Stack;
  const from = 'bad-from';
  const to = 'bad-to';

  beforeAll(async () => {
    stack = await startStack({ name: 'bad_input' });
    await stack.seedAccount(from, 10_000);
    await stack.seedAccount(to, 10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await stack.coordinatorHttp.post('/v1/transactions', undefined, {
      raw: '{"branches": [',
    });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toMatchObject({ status: 400 });
  });

  it('answers a 300 KiB body with 413', async () => {
    const padding = 'x'.repeat(300 * 1024);
    const response = await stack.coordinatorHttp.post('/v1/transactions', {
      branches: [
        {
          participant: 'account',
          action: 'credit',
          payload: { accountId: to, amount: 1, padding },
        },
      ],
    });

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('answers an unknown participant with 422 UNKNOWN_PARTICIPANT', async () => {
    const response = await stack.api.beginTransaction({
      branches: [
        { participant: 'nobody', action: 'debit', payload: { accountId: from, amount: 1 } },
      ],
    });

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'UNKNOWN_PARTICIPANT' });
  });

  it('answers an unknown action of a known participant with 422', async () => {
    const response = await stack.api.beginTransaction({
      branches: [
        { participant: 'account', action: 'steal', payload: { accountId: from, amount: 1 } },
      ],
    });

    expect(response.status).toBe(422);
  });

  it('answers 51 branches with 400 and tries none of them', async () => {
    const branches = Array.from({ length: 51 }, () => transfer(from, to, 1)[0]);

    const response = await stack.api.beginTransaction({ branches });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await stack.account(from)).toMatchObject({ balance: 10_000, frozen: 0 });
  });

  it('answers a timeoutMs out of range with 400', async () => {
    const response = await stack.api.beginTransaction({
      branches: transfer(from, to, 1),
      timeoutMs: 10,
    });

    expect(response.status).toBe(400);
  });

  it('answers an id that is not a UUID with 404, and an unknown UUID with 404', async () => {
    const notUuid = await stack.api.getTransaction('not-a-uuid');
    const unknown = await stack.api.getTransaction(randomUUID());

    expect(notUuid.status).toBe(404);
    expect(notUuid.body).toMatchObject({ code: 'NOT_FOUND' });
    expect(unknown.status).toBe(404);
  });

  it('answers a wrong or missing token with 401', async () => {
    const wrong = await stack.coordinatorHttp.get('/v1/transactions', { token: 'not-the-key' });
    const missing = await stack.coordinatorHttp.get('/v1/transactions', { token: null });

    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(missing.status).toBe(401);
  });

  it('answers the API key on an admin endpoint with 403', async () => {
    const response = await stack.coordinatorHttp.post(
      `/v1/admin/transactions/${randomUUID()}/retry`,
    );

    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('answers the API key on a participant seeding endpoint with 403', async () => {
    const response = await stack.accountApi.put('/accounts/bad-intruder', { balance: 1_000_000 });

    expect(response.status).toBe(403);
  });

  const badAmounts: [string, unknown][] = [
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['"10"', '10'],
    ['2^53', 2 ** 53],
  ];

  it.each(badAmounts)(
    'never confirms a transfer of %s: 400, or CANCELLED through the participant',
    async (_, amount) => {
      const response = await stack.api.beginTransaction({ branches: transfer(from, to, amount) });

      expect(response.status).toBeLessThan(500);
      if (response.status === 400) return;
      expect([200, 202]).toContain(response.status);
      const view =
        response.status === 200
          ? (response.body as TransactionView)
          : await stack.waitForFinal((response.body as TransactionView).id);
      expect(view.status).toBe('CANCELLED');
    },
  );

  it('left every balance as it was', async () => {
    expect(await stack.account(from)).toMatchObject({ balance: 10_000, frozen: 0, incoming: 0 });
    expect(await stack.account(to)).toMatchObject({ balance: 10_000, frozen: 0, incoming: 0 });
    await stack.checkInvariants({ accounts: { [from]: 10_000, [to]: 10_000 } });
  });
});
