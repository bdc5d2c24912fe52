import { branchKey, phaseCall } from '../participant/support';
import { AccountApp, startAccountApp } from './account-app';

describe('concurrent debits on one account', () => {
  let account: AccountApp;
  beforeAll(async () => {
    account = await startAccountApp('account_race');
  });
  afterAll(() => account?.close());

  it('balance 100, 50 parallel debits of 10: exactly 10 succeed and nothing goes negative', async () => {
    await account.seed('race-hot', 100);
    const keys = Array.from({ length: 50 }, () => branchKey('race-hot'));
    const payload = { accountId: 'race-hot', amount: 10 };
    const answers = await Promise.all(
      keys.map((key) => phaseCall(account.app, 'debit', 'try', { ...key, payload })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    for (const refused of answers.filter((answer) => answer.status === 409)) {
      expect(refused.body.code).toBe('INSUFFICIENT_FUNDS');
    }
    expect(await account.account('race-hot')).toMatchObject({ balance: 0, frozen: 100 });

    // Settling them all, in parallel too, takes exactly the ten frozen amounts.
    const settled = await Promise.all(
      keys.map((key, i) =>
        phaseCall(account.app, 'debit', i % 2 === 0 ? 'confirm' : 'cancel', { ...key, payload }),
      ),
    );
    const tried = new Set(keys.filter((_, i) => answers[i].status === 200));
    keys.forEach((key, i) => {
      // Confirms of refused tries are 409; every cancel is 200.
      const expected = i % 2 === 1 || tried.has(key) ? 200 : 409;
      expect(settled[i].status).toBe(expected);
    });
    const confirmed = keys.filter((key, i) => tried.has(key) && i % 2 === 0).length;
    expect(await account.account('race-hot')).toMatchObject({
      balance: 100 - 10 * confirmed,
      frozen: 0,
    });
  });

  it('parallel credits and debits on one account keep every column in bounds', async () => {
    await account.seed('race-mixed', 50);
    const debits = Array.from({ length: 20 }, () => branchKey('race-mixed'));
    const credits = Array.from({ length: 20 }, () => branchKey('race-mixed'));
    const payload = { accountId: 'race-mixed', amount: 5 };
    const calls = [
      ...debits.map((key) => phaseCall(account.app, 'debit', 'try', { ...key, payload })),
      ...credits.map((key) => phaseCall(account.app, 'credit', 'try', { ...key, payload })),
    ];
    const answers = await Promise.all(calls);
    const debited = answers.slice(0, 20).filter((a) => a.status === 200).length;
    // Incoming credits are not spendable, so only the opening 50 can be frozen.
    expect(debited).toBe(10);
    expect(answers.slice(20).every((a) => a.status === 200)).toBe(true);
    expect(await account.account('race-mixed')).toMatchObject({
      balance: 0,
      frozen: 50,
      incoming: 100,
    });
    await Promise.all([
      ...debits.map((key) => phaseCall(account.app, 'debit', 'cancel', { ...key, payload })),
      ...credits.map((key) => phaseCall(account.app, 'credit', 'confirm', { ...key, payload })),
    ]);
    expect(await account.account('race-mixed')).toMatchObject({
      balance: 150,
      frozen: 0,
      incoming: 0,
    });
  });
});
