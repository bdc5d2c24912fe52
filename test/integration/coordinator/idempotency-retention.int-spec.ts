import { RetentionService } from '../../../apps/coordinator/src/recovery/retention.service';
import { createTestDatabase, TestDatabase } from '../../support/db';
import { Coordinator, queryLog, startCoordinator, startParticipant } from './support/harness';
import { StubParticipant, problemAnswer } from './support/stub-participant';

const RETENTION_DAYS = 30;
const KEY_RETENTION_DAYS = 90;

describe('coordinator: Idempotency-Key beyond the retention of its transaction', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_key_retention');
    coordinator = await startCoordinator(db.url, {
      TCC_RETENTION_DAYS: String(RETENTION_DAYS),
      TCC_IDEMPOTENCY_RETENTION_DAYS: String(KEY_RETENTION_DAYS),
    });
    account = await startParticipant(coordinator.api, 'account', ['debit', 'credit']);
  });

  afterAll(async () => {
    await coordinator?.close();
    await account?.stop();
    await db?.drop();
  });

  beforeEach(() => {
    account.behaviour = () => ({ status: 200 });
  });

  const transfer = (amount: number) => ({
    branches: [
      { participant: 'account', action: 'debit', payload: { accountId: 'k-a', amount } },
      { participant: 'account', action: 'credit', payload: { accountId: 'k-b', amount } },
    ],
  });
  const begin = (key: string, body: unknown) =>
    coordinator.api.post('/v1/transactions', body, { 'idempotency-key': key });
  const purge = () => coordinator.app.get(RetentionService).purgeOnce();
  const tries = () => account.callsOf('try').length;

  /** Makes the transaction look finished `days` ago, so the next purge deletes it. */
  const age = (id: string, days = RETENTION_DAYS + 1) =>
    queryLog(
      db.url,
      `UPDATE transactions SET updated_at = now() - $2 * interval '1 day' WHERE id = $1`,
      [id, days],
    );
  const transactionsWithKey = async (key: string) =>
    (
      await queryLog<{ n: string }>(
        db.url,
        `SELECT count(*) AS n FROM transactions WHERE idempotency_key = $1`,
        [key],
      )
    )[0].n;

  it('answers a retry after the purge with 410 TRANSACTION_PURGED naming the transaction and its outcome, and runs nothing', async () => {
    const key = 'purged-confirmed';
    const first = await begin(key, transfer(10));
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('CONFIRMED');
    const { id } = first.body;

    const replayed = await begin(key, transfer(10));
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');

    await age(id);
    expect((await purge()).transactions).toBe(1);
    expect((await coordinator.api.get(`/v1/transactions/${id}`)).status).toBe(404);

    const before = tries();
    const gone = await begin(key, transfer(10));
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(gone.body).toMatchObject({
      status: 410,
      code: 'TRANSACTION_PURGED',
      transactionId: id,
      transactionStatus: 'CONFIRMED',
    });
    expect(gone.body.detail).toContain(id);
    expect(gone.body.detail).toContain('CONFIRMED');
    expect(tries()).toBe(before);
    expect(await transactionsWithKey(key)).toBe('0');

    const otherBody = await begin(key, transfer(11));
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(tries()).toBe(before);
  });

  it('keeps the outcome of a cancelled transaction', async () => {
    account.behaviour = (call) =>
      call.phase === 'try' && call.action === 'credit'
        ? problemAnswer(409, 'UNKNOWN_ACCOUNT', 'no such account')
        : { status: 200 };
    const key = 'purged-cancelled';
    const first = await begin(key, transfer(12));
    expect(first.body.status).toBe('CANCELLED');
    await age(first.body.id);
    await purge();
    account.behaviour = () => ({ status: 200 });
    const before = tries();
    const gone = await begin(key, transfer(12));
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({
      transactionId: first.body.id,
      transactionStatus: 'CANCELLED',
    });
    expect(tries()).toBe(before);
  });

  it('never runs a key twice while retries race the purge of its transaction', async () => {
    const key = 'purge-race';
    const first = await begin(key, transfer(13));
    expect(first.body.status).toBe('CONFIRMED');
    await age(first.body.id);
    const before = tries();
    const [, ...answers] = await Promise.all([
      purge(),
      ...Array.from({ length: 8 }, () => begin(key, transfer(13))),
    ]);
    for (const answer of answers) {
      // Before the purge committed: the replay; after it: 410; in between, at worst "retry".
      expect([200, 409, 410]).toContain(answer.status);
      if (answer.status === 200) expect(answer.body.id).toBe(first.body.id);
    }
    expect(tries()).toBe(before);
    expect(await transactionsWithKey(key)).toBe('0');
    expect((await begin(key, transfer(13))).status).toBe(410);
  });

  it('gives a transaction logged before key records existed a record when it is purged', async () => {
    const key = 'logged-before-records';
    const first = await begin(key, transfer(14));
    await queryLog(db.url, `DELETE FROM idempotency_keys WHERE key = $1`, [key]);
    await age(first.body.id);
    await purge();
    const before = tries();
    const gone = await begin(key, transfer(14));
    expect(gone.status).toBe(410);
    expect(gone.body.transactionId).toBe(first.body.id);
    expect(tries()).toBe(before);
  });

  it('frees the key once its record is older than TCC_IDEMPOTENCY_RETENTION_DAYS, and not before', async () => {
    const key = 'forgotten';
    const first = await begin(key, transfer(15));
    await age(first.body.id);
    await purge();
    // Its own retention counts from when the transaction finished.
    await queryLog(
      db.url,
      `UPDATE idempotency_keys SET finished_at = now() - $2 * interval '1 day' WHERE key = $1`,
      [key, KEY_RETENTION_DAYS - 1],
    );
    expect((await purge()).keys).toBe(0);
    expect((await begin(key, transfer(15))).status).toBe(410);

    await queryLog(
      db.url,
      `UPDATE idempotency_keys SET finished_at = now() - $2 * interval '1 day' WHERE key = $1`,
      [key, KEY_RETENTION_DAYS + 1],
    );
    expect((await purge()).keys).toBe(1);
    const before = tries();
    const again = await begin(key, transfer(15));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
    expect(tries()).toBe(before + 2);
  });

  it('keeps the key of a transaction that is still in the log out of the key retention', async () => {
    const key = 'still-logged';
    const first = await begin(key, transfer(16));
    expect(first.body.status).toBe('CONFIRMED');
    await queryLog(
      db.url,
      `UPDATE idempotency_keys SET created_at = now() - interval '10 years' WHERE key = $1`,
      [key],
    );
    await purge();
    const replayed = await begin(key, transfer(16));
    expect(replayed.status).toBe(200);
    expect(replayed.body.id).toBe(first.body.id);
  });
});
