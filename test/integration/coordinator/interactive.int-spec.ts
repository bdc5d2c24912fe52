import { createTestDatabase, TestDatabase } from '../../support/db';
import { Coordinator, startCoordinator, startParticipant } from './support/harness';
import { StubParticipant, problemAnswer } from './support/stub-participant';

describe('coordinator: interactive transactions (autoCommit false)', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_interactive');
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
    payload: { accountId: 'alice', amount },
  });
  const begin = async (branches: unknown[] = [], timeoutMs = 30_000) => {
    const answer = await coordinator.api.post('/v1/transactions', {
      branches,
      autoCommit: false,
      timeoutMs,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/v1/transactions/${answer.body.id}`);
    return answer.body.id as string;
  };

  it('tries the first branches, adds more, then confirms on request', async () => {
    const id = await begin([debit(10)]);
    const added = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(20));
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ participant: 'account', action: 'debit', status: 'TRIED' });
    expect(account.callsOf('confirm', added.body.id)).toHaveLength(0);

    const confirmed = await coordinator.api.post(`/v1/transactions/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CONFIRMED');
    expect(confirmed.body.branches.map((b: { status: string }) => b.status)).toEqual([
      'CONFIRMED',
      'CONFIRMED',
    ]);
    // Idempotent: the same answer again, nothing sent twice.
    const again = await coordinator.api.post(`/v1/transactions/${id}/confirm`);
    expect(again.status).toBe(200);
    expect(account.callsOf('confirm', added.body.id)).toHaveLength(1);

    const cancel = await coordinator.api.post(`/v1/transactions/${id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('ALREADY_DECIDED');
    const late = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(1));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('NOT_TRYING');
  });

  it('answers 201 TRYING whatever the first tries answered, and 409 TRY_REFUSED on a refused add', async () => {
    account.behaviour = (call) =>
      call.phase === 'try' && call.payload.amount === 999
        ? problemAnswer(409, 'INSUFFICIENT_FUNDS', 'not enough')
        : { status: 200 };
    const id = await begin([debit(999)]);
    const view = await coordinator.api.get(`/v1/transactions/${id}`);
    expect(view.body.status).toBe('TRYING');
    expect(view.body.branches[0].status).toBe('TRY_FAILED');

    const refused = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(999));
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('TRY_REFUSED');
    expect(refused.body.branch.status).toBe('TRY_FAILED');
    expect(refused.body.detail).toContain('not enough');

    const confirm = await coordinator.api.post(`/v1/transactions/${id}/confirm`);
    expect(confirm.status).toBe(409);
    expect(confirm.body.code).toBe('NOT_ALL_TRIED');

    const cancelled = await coordinator.api.post(`/v1/transactions/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const again = await coordinator.api.post(`/v1/transactions/${id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('CANCELLED');
    const confirmAfter = await coordinator.api.post(`/v1/transactions/${id}/confirm`);
    expect(confirmAfter.status).toBe(409);
    expect(confirmAfter.body.code).toBe('ALREADY_DECIDED');
  });

  it('decides cancel and cancels the branch when an added try has an unknown outcome', async () => {
    const id = await begin([debit(5)]);
    account.behaviour = (call) =>
      call.phase === 'try' && call.payload.amount === 6 ? { status: 500 } : { status: 200 };
    const unknown = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(6));
    expect(unknown.status).toBe(502);
    expect(unknown.body.code).toBe('TRY_OUTCOME_UNKNOWN');
    const branchId = unknown.body.branch.id as string;
    expect(account.callsOf('cancel', branchId)).toHaveLength(1);
    const view = await coordinator.api.get(`/v1/transactions/${id}`);
    expect(view.body).toMatchObject({
      status: 'CANCELLED',
      reasonCode: 'TRY_OUTCOME_UNKNOWN',
      failedBranchId: branchId,
    });
    expect(account.openHolds()).toEqual([]);
  });

  it('replays an added branch by its Idempotency-Key and refuses the key for another branch', async () => {
    const id = await begin();
    const headers = { 'idempotency-key': 'add-branch-key-1' };
    const first = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(7), headers);
    expect(first.status).toBe(200);
    const repeat = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(7), headers);
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body.id).toBe(first.body.id);
    expect(account.callsOf('try', first.body.id)).toHaveLength(1);
    const other = await coordinator.api.post(`/v1/transactions/${id}/branches`, debit(8), headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const view = await coordinator.api.get(`/v1/transactions/${id}`);
    expect(view.body.branches).toHaveLength(1);
  });

  it('refuses to confirm after the deadline, and confirms an empty transaction', async () => {
    const late = await begin([debit(3)], 100);
    coordinator.clock.advance(1000);
    const confirm = await coordinator.api.post(`/v1/transactions/${late}/confirm`);
    expect(confirm.status).toBe(409);
    expect(confirm.body.code).toBe('DEADLINE_PASSED');
    const add = await coordinator.api.post(`/v1/transactions/${late}/branches`, debit(3));
    expect(add.status).toBe(409);
    expect(add.body.code).toBe('NOT_TRYING');

    const empty = await begin();
    const confirmed = await coordinator.api.post(`/v1/transactions/${empty}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CONFIRMED');
  });

  it('answers 404 for unknown and malformed ids', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/v1/transactions/${unknown}`,
      '/v1/transactions/not-a-uuid',
      '/v1/transactions/1',
    ]) {
      const answer = await coordinator.api.get(path);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('NOT_FOUND');
    }
    for (const action of ['confirm', 'cancel']) {
      expect((await coordinator.api.post(`/v1/transactions/${unknown}/${action}`)).status).toBe(
        404,
      );
      expect((await coordinator.api.post(`/v1/transactions/x'--/${action}`)).status).toBe(404);
    }
    const add = await coordinator.api.post(`/v1/transactions/${unknown}/branches`, debit(1));
    expect(add.status).toBe(404);
  });
});
