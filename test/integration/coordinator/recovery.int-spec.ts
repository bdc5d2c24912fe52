import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  Answer,
  Coordinator,
  eventually,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant, WebhookSink, problemAnswer } from './support/stub-participant';

const STUCK_AFTER = 3;

describe('coordinator: recovery', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let second: Coordinator;
  let account: StubParticipant;
  let webhook: WebhookSink;

  beforeAll(async () => {
    db = await createTestDatabase('coord_recovery');
    webhook = new WebhookSink();
    const env = {
      // Every retry delay (at most the cap) ends within one advance(5000), and none within the
      // moment between a request's answer and the recovery pass a test runs right after it.
      TCC_RETRY_BASE_MS: '2000',
      TCC_RETRY_MAX_MS: '4000',
      TCC_STUCK_AFTER_ATTEMPTS: String(STUCK_AFTER),
      TCC_ALERT_WEBHOOK_URL: await webhook.start(),
    };
    coordinator = await startCoordinator(db.url, env);
    second = await startCoordinator(db.url, env);
    account = await startParticipant(coordinator.api, 'account', ['debit', 'credit']);
  });

  afterAll(async () => {
    await coordinator?.close();
    await second?.close();
    await account?.stop();
    await webhook?.stop();
    await db?.drop();
  });

  beforeEach(() => {
    account.behaviour = () => ({ status: 200 });
  });

  const debit = (amount: number) => ({
    participant: 'account',
    action: 'debit',
    payload: { accountId: 'bob', amount },
  });
  const view = async (id: string): Promise<Answer['body']> =>
    (await coordinator.api.get(`/v1/transactions/${id}`)).body;
  /** Moves both coordinators' log clock, so whatever is due now is due for both. */
  const advance = (ms: number) => {
    coordinator.clock.advance(ms);
    second.clock.advance(ms);
  };

  it('cancels a transaction left trying past its deadline, PENDING branches included', async () => {
    const begun = await coordinator.api.post('/v1/transactions', {
      branches: [debit(1)],
      autoCommit: false,
      timeoutMs: 1000,
    });
    expect(begun.status).toBe(201);
    const id = begun.body.id as string;
    // A PENDING branch whose try is lost: logged, never answered.
    const [pending] = await queryLog<{ id: string }>(
      db.url,
      `INSERT INTO branches (id, transaction_id, position, participant, action, payload, status,
         created_at, updated_at)
       VALUES (gen_random_uuid(), $1, 1, 'account', 'debit', '{"amount": 2}', 'PENDING', now(), now())
       RETURNING id`,
      [id],
    );
    expect(await coordinator.recovery.recoverOnce()).toBe(0);
    advance(2000);
    expect(await coordinator.recovery.recoverOnce()).toBe(1);
    const after = await view(id);
    expect(after).toMatchObject({ status: 'CANCELLED', reasonCode: 'DEADLINE_PASSED' });
    expect(after.branches.map((b: { status: string }) => b.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
    ]);
    expect(account.callsOf('cancel', pending.id)).toHaveLength(1);
    expect(account.openHolds()).toEqual([]);
  });

  it('finishes a confirm that failed: 202 first, CONFIRMED after recovery, attempts shown', async () => {
    account.behaviour = (call) => (call.phase === 'confirm' ? { status: 500 } : { status: 200 });
    const answer = await coordinator.api.post('/v1/transactions', { branches: [debit(3)] });
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('CONFIRMING');
    const id = answer.body.id as string;
    expect(await coordinator.recovery.recoverOnce()).toBe(0);
    account.behaviour = () => ({ status: 200 });
    advance(5000);
    expect(await coordinator.recovery.recoverOnce()).toBe(1);
    const after = await view(id);
    expect(after.status).toBe('CONFIRMED');
    expect(after.attempts).toBe(1);
    expect(after.branches[0]).toMatchObject({ status: 'CONFIRMED', attempts: 2, lastError: null });
    expect(after.events.map((e: { type: string }) => e.type)).toContain('CONFIRM_FAILED');
  });

  it('marks a transaction stuck after N failed attempts, alerts once, and keeps retrying', async () => {
    account.behaviour = (call) => (call.phase === 'confirm' ? { status: 503 } : { status: 200 });
    const answer = await coordinator.api.post('/v1/transactions', { branches: [debit(4)] });
    const id = answer.body.id as string;
    const branchId = answer.body.branches[0].id as string;
    for (let i = 1; i < STUCK_AFTER; i++) {
      advance(5000);
      await coordinator.recovery.recoverOnce();
    }
    expect((await view(id)).stuck).toBe(true);
    await eventually(() => webhook.received.length === 1, 'the stuck alert');
    expect(webhook.received[0]).toMatchObject({ id, status: 'CONFIRMING', attempts: STUCK_AFTER });
    expect((webhook.received[0] as { lastError: string }).lastError).toContain('503');
    const stuckList = await coordinator.api.get('/v1/transactions?stuck=true');
    expect(stuckList.body.items.map((t: { id: string }) => t.id)).toContain(id);

    advance(5000);
    await coordinator.recovery.recoverOnce();
    expect(account.callsOf('confirm', branchId)).toHaveLength(STUCK_AFTER + 1);
    account.behaviour = () => ({ status: 200 });
    advance(5000);
    await coordinator.recovery.recoverOnce();
    expect((await view(id)).status).toBe('CONFIRMED');
    expect(webhook.received).toHaveLength(1);
  });

  it('marks a transaction stuck at once when a participant refuses a confirm (409)', async () => {
    account.behaviour = (call) =>
      call.phase === 'confirm'
        ? problemAnswer(409, 'NO_SUCCESSFUL_TRY', 'no try here')
        : { status: 200 };
    const answer = await coordinator.api.post('/v1/transactions', { branches: [debit(5)] });
    expect(answer.status).toBe(202);
    expect(answer.body.stuck).toBe(true);
    expect(answer.body.branches[0].lastError).toContain('NO_SUCCESSFUL_TRY');
    await eventually(() => webhook.received.length === 2, 'the second stuck alert');
  });

  it('two recovery instances never both call a participant for the same attempt', async () => {
    account.behaviour = (call) => (call.phase === 'confirm' ? { status: 500 } : { status: 200 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await coordinator.api.post('/v1/transactions', { branches: [debit(10 + i)] });
      expect(answer.status).toBe(202);
      ids.push(answer.body.id as string);
    }
    const confirmsBefore = account.callsOf('confirm').length;
    advance(5000);
    const [a, b] = await Promise.all([
      coordinator.recovery.recoverOnce(),
      second.recovery.recoverOnce(),
    ]);
    expect(a + b).toBeGreaterThanOrEqual(20);
    const confirms = account.callsOf('confirm').slice(confirmsBefore);
    const perTransaction = new Map<string, number>();
    for (const call of confirms) {
      perTransaction.set(call.transactionId, (perTransaction.get(call.transactionId) ?? 0) + 1);
    }
    for (const id of ids) expect(perTransaction.get(id)).toBe(1);

    account.behaviour = () => ({ status: 200 });
    advance(5000);
    await Promise.all([coordinator.recovery.recoverOnce(), second.recovery.recoverOnce()]);
    for (const id of ids) expect((await view(id)).status).toBe('CONFIRMED');
  });

  it('releases its leases on shutdown so another coordinator takes over at once', async () => {
    const third = await startCoordinator(db.url);
    const [row] = await queryLog<{ id: string }>(
      db.url,
      `INSERT INTO transactions (id, status, deadline, next_attempt_at, auto_commit, lease_owner,
         lease_until, created_at, updated_at)
       VALUES (gen_random_uuid(), 'CANCELLING', now(), now(), true, 'someone', now() + interval '1 hour',
         now(), now())
       RETURNING id`,
    );
    await queryLog(db.url, `UPDATE transactions SET lease_owner = $1 WHERE id = $2`, [
      third.instanceId,
      row.id,
    ]);
    await third.close();
    const [after] = await queryLog<{ released: boolean }>(
      db.url,
      `SELECT lease_until <= now() AS released FROM transactions WHERE id = $1`,
      [row.id],
    );
    expect(after.released).toBe(true);
    expect(await coordinator.recovery.recoverOnce()).toBeGreaterThanOrEqual(1);
    expect((await view(row.id)).status).toBe('CANCELLED');
  });
});
