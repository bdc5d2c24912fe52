import { createTestDatabase, TestDatabase } from '../../support/db';
import { Coordinator, startCoordinator, startParticipant } from './support/harness';
import { StubParticipant, problemAnswer } from './support/stub-participant';

describe('coordinator: autoCommit transactions', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let inventory: StubParticipant;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_autocommit');
    coordinator = await startCoordinator(db.url);
    inventory = await startParticipant(coordinator.api, 'inventory', ['reserve']);
    // A base URL with a path: the signed path is still /tcc/{action}/{phase}.
    account = await startParticipant(
      coordinator.api,
      'account',
      ['debit', 'credit'],
      '/svc/account',
    );
  });

  afterAll(async () => {
    await coordinator?.close();
    await inventory?.stop();
    await account?.stop();
    await db?.drop();
  });

  beforeEach(() => {
    inventory.behaviour = () => ({ status: 200 });
    account.behaviour = () => ({ status: 200 });
  });

  const order = (orderId: string) => ({
    branches: [
      {
        participant: 'inventory',
        action: 'reserve',
        payload: { sku: 'SKU-1', quantity: 2, orderId },
      },
      { participant: 'account', action: 'debit', payload: { accountId: 'alice', amount: 2000 } },
      { participant: 'account', action: 'credit', payload: { accountId: 'shop', amount: 2000 } },
    ],
    timeoutMs: 10_000,
  });

  it('tries every branch, confirms every branch and answers 200 CONFIRMED', async () => {
    const answer = await coordinator.api.post('/v1/transactions', order('happy-autocommit'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'CONFIRMED',
      reason: null,
      reasonCode: null,
      failedBranchId: null,
      stuck: false,
      resolved: false,
      attempts: 0,
    });
    const ids = answer.body.branches.map((branch: { id: string }) => branch.id);
    expect(answer.body.branches.map((b: { status: string }) => b.status)).toEqual([
      'CONFIRMED',
      'CONFIRMED',
      'CONFIRMED',
    ]);
    for (const id of ids) {
      const stub = id === ids[0] ? inventory : account;
      expect(stub.callsOf('try', id)).toHaveLength(1);
      expect(stub.callsOf('confirm', id)).toHaveLength(1);
      expect(stub.callsOf('cancel', id)).toHaveLength(0);
    }
    const tryCall = inventory.callsOf('try', ids[0])[0];
    expect(Number(tryCall.deadline)).toBe(Date.parse(answer.body.deadline));
    expect(tryCall.payload).toEqual({ sku: 'SKU-1', quantity: 2, orderId: 'happy-autocommit' });
    expect(inventory.callsOf('confirm', ids[0])[0].deadline).toBeUndefined();
    expect(inventory.badSignatures + account.badSignatures).toBe(0);
    const types = answer.body.events.map((event: { type: string }) => event.type);
    expect(types[0]).toBe('BEGIN');
    expect(types).toContain('DECIDE_CONFIRM');
    expect(types[types.length - 1]).toBe('CONFIRMED');
    expect(answer.body.olderEvents).toBe(0);

    const read = await coordinator.api.get(`/v1/transactions/${answer.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('CONFIRMED');
  });

  it('cancels when a participant refuses, naming the branch and keeping its code', async () => {
    account.behaviour = (call) =>
      call.action === 'debit' && call.phase === 'try'
        ? problemAnswer(409, 'INSUFFICIENT_FUNDS', 'alice has 100, needs 2000')
        : { status: 200 };
    const answer = await coordinator.api.post('/v1/transactions', order('refused-try'));
    expect(answer.status).toBe(200);
    const [reserve, debit, credit] = answer.body.branches;
    expect(answer.body.status).toBe('CANCELLED');
    expect(answer.body.reasonCode).toBe('INSUFFICIENT_FUNDS');
    expect(answer.body.failedBranchId).toBe(debit.id);
    expect(answer.body.reason).toContain(debit.id);
    expect(answer.body.reason).toContain('account');
    expect(answer.body.reason).toContain('debit');
    expect(answer.body.reason).toContain('alice has 100, needs 2000');
    expect([reserve.status, debit.status, credit.status]).toEqual([
      'CANCELLED',
      'TRY_FAILED',
      'CANCELLED',
    ]);
    expect(inventory.callsOf('cancel', reserve.id)).toHaveLength(1);
    expect(account.callsOf('cancel', credit.id)).toHaveLength(1);
    // A refused try holds nothing, so it gets no cancel.
    expect(account.callsOf('cancel', debit.id)).toHaveLength(0);
    expect(account.callsOf('confirm', credit.id)).toHaveLength(0);
    expect(inventory.openHolds()).toEqual([]);
    expect(account.openHolds()).toEqual([]);
  });

  it('cancels when a try answers 500, and sends that branch a cancel too', async () => {
    inventory.behaviour = (call) => (call.phase === 'try' ? { status: 500 } : { status: 200 });
    const answer = await coordinator.api.post('/v1/transactions', order('try-500'));
    expect(answer.status).toBe(200);
    const [reserve] = answer.body.branches;
    expect(answer.body).toMatchObject({
      status: 'CANCELLED',
      reasonCode: 'TRY_OUTCOME_UNKNOWN',
      failedBranchId: reserve.id,
    });
    expect(reserve.status).toBe('CANCELLED');
    expect(inventory.callsOf('cancel', reserve.id)).toHaveLength(1);
    expect(account.openHolds()).toEqual([]);
  });

  it('cancels when a try never answers within the call timeout', async () => {
    inventory.behaviour = (call) => (call.phase === 'try' ? 'hang' : { status: 200 });
    const answer = await coordinator.api.post('/v1/transactions', order('try-timeout'));
    expect(answer.status).toBe(200);
    const [reserve] = answer.body.branches;
    expect(answer.body.status).toBe('CANCELLED');
    expect(answer.body.reasonCode).toBe('TRY_OUTCOME_UNKNOWN');
    expect(answer.body.reason).toContain('1000 ms');
    expect(inventory.callsOf('cancel', reserve.id)).toHaveLength(1);
  });

  it('answers 202 with Location when phase 2 cannot finish yet', async () => {
    account.behaviour = (call) =>
      call.phase === 'confirm' && call.action === 'credit' ? { status: 503 } : { status: 200 };
    const answer = await coordinator.api.post('/v1/transactions', order('confirm-unreachable'));
    expect(answer.status).toBe(202);
    expect(answer.headers.get('location')).toBe(`/v1/transactions/${answer.body.id}`);
    expect(answer.body.status).toBe('CONFIRMING');
    const credit = answer.body.branches[2];
    expect(credit).toMatchObject({ status: 'TRIED', attempts: 1 });
    expect(credit.lastError).toContain('HTTP 503');
  });

  it('records participant health', async () => {
    const list = await coordinator.api.get('/v1/participants');
    expect(list.status).toBe(200);
    const names = list.body.items.map((item: { name: string }) => item.name);
    expect(names).toEqual(['account', 'inventory']);
    const item = list.body.items[1];
    expect(item.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(item.actions).toEqual(['reserve']);
    expect(item.lastSuccessAt).not.toBeNull();
  });
});
