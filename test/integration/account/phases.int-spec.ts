import { branchKey, phaseCall, SECRETS } from '../participant/support';
import { AccountApp, startAccountApp } from './account-app';

describe('account debit and credit phases', () => {
  let account: AccountApp;
  beforeAll(async () => {
    account = await startAccountApp('account_phases');
  });
  afterAll(() => account?.close());

  const call = (
    action: string,
    phase: string,
    key: { transactionId: string; branchId: string },
    payload: unknown,
    options: Parameters<typeof phaseCall>[4] = {},
  ) => phaseCall(account.app, action, phase, { ...key, payload }, options);

  const holdOf = async (accountId: string, key: { transactionId: string; branchId: string }) => {
    const { shard } = await account.account(accountId);
    const rows = await account.query<{ state: string; amount: string; kind: string }>(
      shard,
      `SELECT state, amount, kind FROM holds WHERE transaction_id = $1 AND branch_id = $2`,
      [key.transactionId, key.branchId],
    );
    return rows[0];
  };

  it('debit: try freezes, confirm takes the frozen amount, repeats change nothing', async () => {
    await account.seed('debit-confirm', 1000);
    const key = branchKey('debit-confirm');
    const payload = { accountId: 'debit-confirm', amount: 300 };

    expect((await call('debit', 'try', key, payload)).status).toBe(200);
    expect(await account.account('debit-confirm')).toMatchObject({
      balance: 700,
      frozen: 300,
      incoming: 0,
    });
    expect((await call('debit', 'try', key, payload)).status).toBe(200);
    expect((await account.account('debit-confirm')).balance).toBe(700);

    expect((await call('debit', 'confirm', key, payload)).status).toBe(200);
    expect(await account.account('debit-confirm')).toMatchObject({ balance: 700, frozen: 0 });
    expect((await call('debit', 'confirm', key, payload)).status).toBe(200);
    expect(await account.account('debit-confirm')).toMatchObject({ balance: 700, frozen: 0 });
    expect(await holdOf('debit-confirm', key)).toEqual({
      state: 'CONFIRMED',
      amount: '300',
      kind: 'debit',
    });
    // A cancel after the confirm is a protocol violation: refused, and the hold stays confirmed.
    expect((await call('debit', 'cancel', key, payload)).status).toBe(409);
    expect((await holdOf('debit-confirm', key)).state).toBe('CONFIRMED');
    expect(await account.account('debit-confirm')).toMatchObject({ balance: 700, frozen: 0 });
  });

  it('debit: cancel returns the frozen amount to the balance, once', async () => {
    await account.seed('debit-cancel', 1000);
    const key = branchKey('debit-cancel');
    const payload = { accountId: 'debit-cancel', amount: 250 };
    expect((await call('debit', 'try', key, payload)).status).toBe(200);
    expect((await call('debit', 'cancel', key, payload)).status).toBe(200);
    expect(await account.account('debit-cancel')).toMatchObject({ balance: 1000, frozen: 0 });
    expect((await call('debit', 'cancel', key, payload)).status).toBe(200);
    expect(await account.account('debit-cancel')).toMatchObject({ balance: 1000, frozen: 0 });
    expect((await holdOf('debit-cancel', key)).state).toBe('CANCELLED');
    const confirm = await call('debit', 'confirm', key, payload);
    expect(confirm.status).toBe(409);
    expect(await account.account('debit-cancel')).toMatchObject({ balance: 1000, frozen: 0 });
  });

  it('debit: confirm and cancel act on the hold, not on the amount sent again', async () => {
    await account.seed('debit-resent', 1000);
    const confirmed = branchKey('debit-resent');
    expect(
      (await call('debit', 'try', confirmed, { accountId: 'debit-resent', amount: 100 })).status,
    ).toBe(200);
    expect(
      (await call('debit', 'confirm', confirmed, { accountId: 'debit-resent', amount: 999 }))
        .status,
    ).toBe(200);
    expect(await account.account('debit-resent')).toMatchObject({ balance: 900, frozen: 0 });

    const cancelled = branchKey('debit-resent');
    expect(
      (await call('debit', 'try', cancelled, { accountId: 'debit-resent', amount: 200 })).status,
    ).toBe(200);
    expect(
      (await call('debit', 'cancel', cancelled, { accountId: 'debit-resent', amount: 1 })).status,
    ).toBe(200);
    expect(await account.account('debit-resent')).toMatchObject({ balance: 900, frozen: 0 });
  });

  it('debit: insufficient funds is a 409 that changes nothing, and its cancel is a no-op', async () => {
    await account.seed('debit-poor', 100);
    const key = branchKey('debit-poor');
    const payload = { accountId: 'debit-poor', amount: 101 };
    const refused = await call('debit', 'try', key, payload);
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call('debit', 'try', key, payload)).body.code).toBe('INSUFFICIENT_FUNDS');
    expect(await holdOf('debit-poor', key)).toBeUndefined();
    expect((await call('debit', 'cancel', key, payload)).status).toBe(200);
    expect(await account.account('debit-poor')).toMatchObject({ balance: 100, frozen: 0 });
    // Exactly the whole balance is enough.
    const all = branchKey('debit-poor');
    expect((await call('debit', 'try', all, { accountId: 'debit-poor', amount: 100 })).status).toBe(
      200,
    );
    expect(await account.account('debit-poor')).toMatchObject({ balance: 0, frozen: 100 });
  });

  it('debit and credit of an unknown account are refused with UNKNOWN_ACCOUNT', async () => {
    for (const action of ['debit', 'credit']) {
      const response = await call(action, 'try', branchKey(`${action}-unknown`), {
        accountId: 'nobody-here',
        amount: 1,
      });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('UNKNOWN_ACCOUNT');
    }
  });

  it('credit: try shows the amount as incoming only, confirm makes it spendable', async () => {
    await account.seed('credit-confirm', 10);
    const key = branchKey('credit-confirm');
    const payload = { accountId: 'credit-confirm', amount: 90 };
    expect((await call('credit', 'try', key, payload)).status).toBe(200);
    expect(await account.account('credit-confirm')).toMatchObject({
      balance: 10,
      frozen: 0,
      incoming: 90,
    });
    // Incoming money is not spendable before the credit confirms.
    const early = await call('debit', 'try', branchKey('credit-confirm'), {
      accountId: 'credit-confirm',
      amount: 50,
    });
    expect(early.body.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call('credit', 'confirm', key, { ...payload, amount: 1 })).status).toBe(200);
    expect((await call('credit', 'confirm', key, payload)).status).toBe(200);
    expect(await account.account('credit-confirm')).toMatchObject({
      balance: 100,
      frozen: 0,
      incoming: 0,
    });
  });

  it('credit: cancel drops the incoming amount, once', async () => {
    await account.seed('credit-cancel', 10);
    const key = branchKey('credit-cancel');
    const payload = { accountId: 'credit-cancel', amount: 40 };
    expect((await call('credit', 'try', key, payload)).status).toBe(200);
    expect((await call('credit', 'cancel', key, payload)).status).toBe(200);
    expect((await call('credit', 'cancel', key, payload)).status).toBe(200);
    expect(await account.account('credit-cancel')).toMatchObject({
      balance: 10,
      frozen: 0,
      incoming: 0,
    });
    expect((await holdOf('credit-cancel', key)).state).toBe('CANCELLED');
  });

  it('credit: refuses a try that would take the account past 2^53-1', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    await account.seed('credit-limit', max - 10);
    const refused = await call('credit', 'try', branchKey('credit-limit'), {
      accountId: 'credit-limit',
      amount: 11,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('AMOUNT_LIMIT_EXCEEDED');
    const key = branchKey('credit-limit');
    expect(
      (await call('credit', 'try', key, { accountId: 'credit-limit', amount: 10 })).status,
    ).toBe(200);
    expect(
      (await call('credit', 'confirm', key, { accountId: 'credit-limit', amount: 10 })).status,
    ).toBe(200);
    expect(await account.account('credit-limit')).toMatchObject({ balance: max, incoming: 0 });
  });

  it('empty cancel: a cancel before the try answers 200 and the late try is refused', async () => {
    await account.seed('debit-late', 100);
    const key = branchKey('debit-late');
    const payload = { accountId: 'debit-late', amount: 10 };
    expect((await call('debit', 'cancel', key, payload)).status).toBe(200);
    expect((await call('debit', 'try', key, payload)).status).toBe(409);
    expect(await account.account('debit-late')).toMatchObject({ balance: 100, frozen: 0 });
  });

  it('a try after its deadline is refused and holds nothing', async () => {
    await account.seed('debit-deadline', 100);
    const response = await call(
      'debit',
      'try',
      branchKey('debit-deadline'),
      { accountId: 'debit-deadline', amount: 10 },
      { deadline: Date.now() - 1000 },
    );
    expect(response.status).toBe(409);
    expect(await account.account('debit-deadline')).toMatchObject({ balance: 100, frozen: 0 });
  });

  it('keeps the barrier rows and the hold in the account’s own shard', async () => {
    const ids = ['shard-home-a', 'shard-home-b', 'shard-home-c', 'shard-home-d'];
    for (const id of ids) await account.seed(id, 100);
    for (const id of ids) {
      const key = branchKey('shard-home');
      expect((await call('debit', 'try', key, { accountId: id, amount: 5 })).status).toBe(200);
      const { shard } = await account.account(id);
      const other = shard === 'shard-0' ? 'shard-1' : 'shard-0';
      const count = `SELECT (SELECT count(*) FROM tcc_barrier WHERE transaction_id = $1)::int AS barrier,
                            (SELECT count(*) FROM holds WHERE transaction_id = $1)::int AS holds`;
      expect(await account.query(shard, count, [key.transactionId])).toEqual([
        { barrier: 1, holds: 1 },
      ]);
      expect(await account.query(other, count, [key.transactionId])).toEqual([
        { barrier: 0, holds: 0 },
      ]);
    }
  });

  describe('payload validation', () => {
    beforeAll(() => account.seed('bad-amounts', 50));

    it.each([
      ['a string amount', { accountId: 'bad-amounts', amount: '10' }],
      ['a fractional amount', { accountId: 'bad-amounts', amount: 1.5 }],
      ['a zero amount', { accountId: 'bad-amounts', amount: 0 }],
      ['a negative amount', { accountId: 'bad-amounts', amount: -5 }],
      ['an amount over 2^53-1', { accountId: 'bad-amounts', amount: 2 ** 53 }],
      ['no amount', { accountId: 'bad-amounts' }],
      ['no account', { amount: 5 }],
      ['a malformed account id', { accountId: 'bad amounts!', amount: 5 }],
      ['an extra field', { accountId: 'bad-amounts', amount: 5, note: 'x' }],
    ])('refuses a try with %s: 400, nothing held', async (_, payload) => {
      for (const action of ['debit', 'credit']) {
        const key = branchKey('bad-amounts');
        const response = await call(action, 'try', key, payload);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        // Its transaction is cancelled, never confirmed.
        expect((await call(action, 'cancel', key, payload)).status).toBe(200);
        expect((await call(action, 'confirm', key, payload)).status).toBe(409);
      }
      expect(await account.account('bad-amounts')).toMatchObject({
        balance: 50,
        frozen: 0,
        incoming: 0,
      });
    });
  });

  it('accepts the previous signing secret and refuses bad signatures with 401', async () => {
    await account.seed('signed', 100);
    const payload = { accountId: 'signed', amount: 1 };
    const previous = await call('debit', 'try', branchKey('signed'), payload, {
      secret: SECRETS.previous,
    });
    expect(previous.status).toBe(200);
    const forged = await call('debit', 'try', branchKey('signed'), payload, {
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(401);
    const unsigned = await call('debit', 'try', branchKey('signed'), payload, { unsigned: true });
    expect(unsigned.status).toBe(401);
    const stale = await call('debit', 'try', branchKey('signed'), payload, {
      timestamp: Date.now() - 10 * 60_000,
    });
    expect(stale.status).toBe(401);
    expect(await account.account('signed')).toMatchObject({ balance: 99, frozen: 1 });
  });
});
