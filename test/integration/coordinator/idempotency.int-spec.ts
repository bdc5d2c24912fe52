import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  Coordinator,
  eventually,
  pause,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant } from './support/stub-participant';

describe('coordinator: Idempotency-Key on POST /v1/transactions', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let inventory: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_idempotency');
    coordinator = await startCoordinator(db.url);
    inventory = await startParticipant(coordinator.api, 'inventory', ['reserve']);
  });

  afterAll(async () => {
    await coordinator?.close();
    await inventory?.stop();
    await db?.drop();
  });

  const body = (sku: string) => ({
    branches: [{ participant: 'inventory', action: 'reserve', payload: { sku, quantity: 1 } }],
    timeoutMs: 5000,
  });

  it('replays the stored outcome for the same body and runs nothing twice', async () => {
    const headers = { 'idempotency-key': 'replay-same-body' };
    const first = await coordinator.api.post('/v1/transactions', body('SKU-R'), headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same content, different key order: the same request.
    const reordered = {
      timeoutMs: 5000,
      branches: [
        { payload: { quantity: 1, sku: 'SKU-R' }, action: 'reserve', participant: 'inventory' },
      ],
    };
    const again = await coordinator.api.post('/v1/transactions', reordered, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.status).toBe('CONFIRMED');
    const branchId = first.body.branches[0].id as string;
    expect(inventory.callsOf('try', branchId)).toHaveLength(1);
    expect(inventory.callsOf('confirm', branchId)).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const headers = { 'idempotency-key': 'reused-key' };
    expect((await coordinator.api.post('/v1/transactions', body('SKU-A'), headers)).status).toBe(
      200,
    );
    const other = await coordinator.api.post('/v1/transactions', body('SKU-B'), headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const rows = await queryLog(db.url, `SELECT id FROM transactions WHERE idempotency_key = $1`, [
      'reused-key',
    ]);
    expect(rows).toHaveLength(1);
  });

  it('20 identical requests at once make one transaction whose tries are sent once', async () => {
    inventory.behaviour = async () => {
      await pause(50);
      return { status: 200 };
    };
    const headers = { 'idempotency-key': 'concurrent-duplicates' };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        coordinator.api.post('/v1/transactions', body('SKU-C'), headers),
      ),
    );
    inventory.behaviour = () => ({ status: 200 });
    const ids = new Set(answers.map((answer) => answer.body.id as string));
    expect(ids.size).toBe(1);
    const originals = answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true');
    expect(originals).toHaveLength(1);
    expect(originals[0].status).toBe(200);
    for (const answer of answers) {
      expect([200, 202]).toContain(answer.status);
      if (answer.status === 202) {
        expect(answer.headers.get('location')).toBe(`/v1/transactions/${answer.body.id}`);
      }
    }
    const [id] = ids;
    const rows = await queryLog<{ id: string }>(
      db.url,
      `SELECT b.id FROM branches b JOIN transactions t ON t.id = b.transaction_id
       WHERE t.idempotency_key = 'concurrent-duplicates'`,
    );
    expect(rows).toHaveLength(1);
    expect(inventory.calls.filter((c) => c.transactionId === id && c.phase === 'try')).toHaveLength(
      1,
    );
    const replay = await coordinator.api.post('/v1/transactions', body('SKU-C'), headers);
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe('CONFIRMED');
  });

  it('answers 202 to a replay while the first request is still running', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    inventory.behaviour = async (call) => {
      if (call.phase === 'try') await gate;
      return { status: 200 };
    };
    const headers = { 'idempotency-key': 'replay-while-running' };
    const first = coordinator.api.post('/v1/transactions', body('SKU-W'), headers);
    // The replay must come after the first request logged the key, or it would be the first.
    await eventually(
      async () =>
        (
          await queryLog(db.url, `SELECT 1 FROM transactions WHERE idempotency_key = $1`, [
            'replay-while-running',
          ])
        ).length === 1,
      'the first request logged its transaction',
    );
    const replay = await coordinator.api.post('/v1/transactions', body('SKU-W'), headers);
    expect(replay.status).toBe(202);
    expect(replay.body.status).toBe('TRYING');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    release();
    expect((await first).status).toBe(200);
    inventory.behaviour = () => ({ status: 200 });
  });
});
