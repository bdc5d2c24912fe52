import { createTestDatabase, TestDatabase } from '../../support/db';
import { RetentionService } from '../../../apps/coordinator/src/recovery/retention.service';
import {
  Coordinator,
  eventually,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant } from './support/stub-participant';

describe('coordinator: retention, health and shutdown', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_operations');
    coordinator = await startCoordinator(db.url, { TCC_RETENTION_DAYS: '30' });
    account = await startParticipant(coordinator.api, 'account', ['debit']);
  });

  afterAll(async () => {
    await coordinator?.close();
    await account?.stop();
    await db?.drop();
  });

  const debit = { participant: 'account', action: 'debit', payload: { accountId: 'd', amount: 1 } };

  it('purges finished transactions older than the retention period, with their branches and events', async () => {
    const old = await coordinator.api.post('/v1/transactions', { branches: [debit] });
    const recent = await coordinator.api.post('/v1/transactions', { branches: [debit] });
    const unfinished = await coordinator.api.post('/v1/transactions', {
      branches: [debit],
      autoCommit: false,
    });
    await queryLog(
      db.url,
      `UPDATE transactions SET updated_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`,
      [[old.body.id, unfinished.body.id]],
    );
    expect(await coordinator.app.get(RetentionService).purgeOnce()).toEqual({
      transactions: 1,
      keys: 0,
    });
    expect((await coordinator.api.get(`/v1/transactions/${old.body.id}`)).status).toBe(404);
    expect((await coordinator.api.get(`/v1/transactions/${recent.body.id}`)).status).toBe(200);
    expect((await coordinator.api.get(`/v1/transactions/${unfinished.body.id}`)).status).toBe(200);
    const leftovers = await queryLog(
      db.url,
      `SELECT 1 FROM branches WHERE transaction_id = $1
       UNION ALL SELECT 1 FROM events WHERE transaction_id = $1`,
      [old.body.id],
    );
    expect(leftovers).toHaveLength(0);
  });

  it('lets a request in flight finish when it is asked to stop, then releases its leases', async () => {
    const stopping = await startCoordinator(db.url);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    account.behaviour = async (call) => {
      if (call.phase === 'try') await gate;
      return { status: 200 };
    };
    const tries = account.callsOf('try').length;
    const inFlight = stopping.api.post('/v1/transactions', { branches: [debit] });
    await eventually(
      () => account.callsOf('try').length > tries,
      'the try reached the participant',
    );
    const closed = stopping.close();
    release();
    const answer = await inFlight;
    await closed;
    account.behaviour = () => ({ status: 200 });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('CONFIRMED');
    const held = await queryLog(
      db.url,
      `SELECT 1 FROM transactions WHERE lease_owner = $1 AND lease_until > now()`,
      [stopping.instanceId],
    );
    expect(held).toHaveLength(0);
  });

  it('answers /health with 503 when the database does not answer', async () => {
    const own = await createTestDatabase('coord_health');
    const lonely = await startCoordinator(own.url);
    try {
      expect((await lonely.api.request('GET', '/health', { token: null })).status).toBe(200);
      await queryLog(db.url, `ALTER DATABASE "${own.name}" ALLOW_CONNECTIONS false`);
      await queryLog(
        db.url,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`,
        [own.name],
      );
      const down = await lonely.api.request('GET', '/health', { token: null });
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'error', database: 'down' });
    } finally {
      await lonely.close();
      await own.drop();
    }
  });
});
