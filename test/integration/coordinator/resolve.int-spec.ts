import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  ADMIN_TOKEN,
  Answer,
  Coordinator,
  eventually,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubCall, StubParticipant } from './support/stub-participant';

/** Holds the calls that wait on it until it is opened. */
class Gate {
  private open: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  wait(): Promise<void> {
    return this.opened;
  }

  release(): void {
    this.open();
  }
}

/** Events that record a decision, a branch's outcome or the end of a transaction. */
const OUTCOME = /^(DECIDE_|TRY_|CONFIRM|CANCEL|STUCK$|BRANCH_ADDED$)/;

describe('coordinator: resolving by hand', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_resolve');
    coordinator = await startCoordinator(db.url);
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

  const debit = (amount: number) => ({
    participant: 'account',
    action: 'debit',
    payload: { accountId: 'resolve-a', amount },
  });
  const credit = (amount: number) => ({
    participant: 'account',
    action: 'credit',
    payload: { accountId: 'resolve-b', amount },
  });
  const admin = (path: string, body?: unknown) =>
    coordinator.api.request('POST', `/v1/admin/transactions${path}`, { body, token: ADMIN_TOKEN });

  /** Every call of `phase` waits at the returned gate; other calls succeed. */
  const holdPhase = (phase: StubCall['phase']): Gate => {
    const gate = new Gate();
    account.behaviour = async (call) => {
      if (call.phase === phase) await gate.wait();
      return { status: 200 };
    };
    return gate;
  };

  const callsOfTransaction = (id: string, phase: StubCall['phase']) =>
    account.calls.filter((call) => call.transactionId === id && call.phase === phase);

  /** The id of the transaction whose calls arrive first after `before` calls were seen. */
  const transactionCalledAfter = async (before: number, phase: StubCall['phase']) => {
    await eventually(
      () => account.calls.slice(before).some((call) => call.phase === phase),
      `a ${phase} call`,
    );
    return account.calls.slice(before).find((call) => call.phase === phase)!.transactionId;
  };

  /** Holds a transaction's tries left that were neither confirmed nor cancelled. */
  const openHoldsOf = (id: string): string[] => {
    const branches = new Set(
      account.calls.filter((c) => c.transactionId === id).map((c) => c.branchId),
    );
    return account.openHolds().filter((branchId) => branches.has(branchId));
  };

  const eventTypes = async (id: string): Promise<string[]> =>
    (
      await queryLog<{ type: string }>(
        db.url,
        `SELECT type FROM events WHERE transaction_id = $1 ORDER BY id`,
        [id],
      )
    ).map((row) => row.type);

  /** Event types logged after RESOLVED that record a decision or an outcome. */
  const outcomesAfterResolve = async (id: string): Promise<string[]> => {
    const types = await eventTypes(id);
    const at = types.indexOf('RESOLVED');
    expect(at).toBeGreaterThanOrEqual(0);
    return types.slice(at + 1).filter((type) => OUTCOME.test(type));
  };

  const branchStatuses = async (id: string): Promise<string[]> =>
    (
      await queryLog<{ status: string }>(
        db.url,
        `SELECT status FROM branches WHERE transaction_id = $1 ORDER BY position`,
        [id],
      )
    ).map((row) => row.status);

  it('refuses to resolve a transaction whose tries are in flight (409 NOT_DECIDED); the request then finishes as usual', async () => {
    const tries = holdPhase('try');
    const before = account.calls.length;
    const begin = coordinator.api.post('/v1/transactions', { branches: [debit(5), credit(5)] });
    const id = await transactionCalledAfter(before, 'try');
    await eventually(() => callsOfTransaction(id, 'try').length === 2, 'both tries sent');

    const refused = await admin(`/${id}/resolve`, { note: 'too early' });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'NOT_DECIDED', status: 409 });
    expect(refused.body.detail).toMatch(/cancel it first/);

    tries.release();
    const answer = await begin;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id, status: 'CONFIRMED', resolved: false });
    expect(await eventTypes(id)).not.toContain('RESOLVED');
    expect(callsOfTransaction(id, 'confirm')).toHaveLength(2);
    expect(openHoldsOf(id)).toEqual([]);
  });

  it('lets an operator cancel during the tries; the request answers the cancelled transaction', async () => {
    const tries = holdPhase('try');
    const before = account.calls.length;
    const begin = coordinator.api.post('/v1/transactions', { branches: [debit(6), credit(6)] });
    const id = await transactionCalledAfter(before, 'try');
    await eventually(() => callsOfTransaction(id, 'try').length === 2, 'both tries sent');

    const cancelled = await admin(`/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      reason: 'Cancelled by an operator.',
    });

    tries.release();
    const answer = await begin;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id,
      status: 'CANCELLED',
      reason: 'Cancelled by an operator.',
      resolved: false,
    });
    const types = await eventTypes(id);
    expect(types.filter((type) => type.startsWith('DECIDE_'))).toEqual(['DECIDE_CANCEL']);
    expect(await branchStatuses(id)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(openHoldsOf(id)).toEqual([]);

    const tooLate = await admin(`/${id}/resolve`, { note: 'nothing left to settle' });
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.code).toBe('ALREADY_FINISHED');
  });

  it('resolves during phase 2 with confirms in flight: their outcomes are not recorded, the request ends with the resolved view, recovery leaves it alone', async () => {
    const confirms = holdPhase('confirm');
    const before = account.calls.length;
    const begin = coordinator.api.post('/v1/transactions', { branches: [debit(7), credit(7)] });
    const id = await transactionCalledAfter(before, 'confirm');
    await eventually(() => callsOfTransaction(id, 'confirm').length === 2, 'both confirms sent');

    const resolved = await admin(`/${id}/resolve`, { note: 'settled in the ledger by hand' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ id, status: 'CONFIRMING', resolved: true, stuck: false });

    confirms.release();
    const answer: Answer = await begin;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('location')).toBeNull();
    expect(answer.body).toMatchObject({ id, status: 'CONFIRMING', resolved: true });
    expect(await outcomesAfterResolve(id)).toEqual([]);
    expect(await branchStatuses(id)).toEqual(['TRIED', 'TRIED']);

    coordinator.clock.advance(120_000);
    await coordinator.recovery.recoverOnce();
    expect(callsOfTransaction(id, 'confirm')).toHaveLength(2);
    const retried = await admin(`/${id}/retry`);
    expect(retried.status).toBe(409);
    expect(retried.body.code).toBe('ALREADY_FINISHED');
    const confirmed = await coordinator.api.post(`/v1/transactions/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMING', resolved: true });
    expect(await outcomesAfterResolve(id)).toEqual([]);
  });

  it('resolves while recovery resends a cancel: the late answer is not recorded and the transaction is not claimed again', async () => {
    account.behaviour = () => ({ status: 500 });
    const begun = await coordinator.api.post('/v1/transactions', { branches: [debit(8)] });
    expect(begun.status).toBe(202);
    expect(begun.body.status).toBe('CANCELLING');
    const { id } = begun.body;

    const cancels = holdPhase('cancel');
    const sent = callsOfTransaction(id, 'cancel').length;
    coordinator.clock.advance(60_000);
    const pass = coordinator.recovery.recoverOnce();
    await eventually(() => callsOfTransaction(id, 'cancel').length > sent, 'recovery resends');

    const resolved = await admin(`/${id}/resolve`, { note: 'released the hold by hand' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'CANCELLING', resolved: true });
    cancels.release();
    await pass;

    expect(await outcomesAfterResolve(id)).toEqual([]);
    expect(await branchStatuses(id)).toEqual(['PENDING']);
    const calls = callsOfTransaction(id, 'cancel').length;
    coordinator.clock.advance(600_000);
    expect(await coordinator.recovery.recoverOnce()).toBe(0);
    expect(callsOfTransaction(id, 'cancel')).toHaveLength(calls);
    const view = await coordinator.api.get(`/v1/transactions/${id}`);
    expect(view.body).toMatchObject({ status: 'CANCELLING', resolved: true, stuck: false });
  });

  it('does not record a try that answers after its cancelled transaction was resolved', async () => {
    const begun = await coordinator.api.post('/v1/transactions', {
      branches: [debit(9)],
      autoCommit: false,
    });
    expect(begun.status).toBe(201);
    const { id } = begun.body;

    // The added branch's try waits; the operator's cancel cannot reach it, so it stays CANCELLING.
    const tries = new Gate();
    account.behaviour = async (call) => {
      if (call.phase === 'try') await tries.wait();
      return call.phase === 'cancel' && call.action === 'credit'
        ? { status: 500 }
        : { status: 200 };
    };
    const before = account.calls.length;
    const add = coordinator.api.post(`/v1/transactions/${id}/branches`, credit(9));
    await eventually(
      () => account.calls.slice(before).some((call) => call.phase === 'try'),
      'the added try',
    );
    const cancelled = await admin(`/${id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.status).toBe('CANCELLING');
    const resolved = await admin(`/${id}/resolve`, { note: 'the credit was never applied' });
    expect(resolved.status).toBe(200);

    tries.release();
    const added = await add;
    expect(added.status).toBe(409);
    expect(added.body.code).toBe('NOT_TRYING');
    expect(await outcomesAfterResolve(id)).toEqual([]);
    expect(await branchStatuses(id)).toEqual(['CANCELLED', 'PENDING']);
  });
});
