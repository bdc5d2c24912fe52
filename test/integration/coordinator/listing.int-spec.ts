import { createTestDatabase, TestDatabase } from '../../support/db';
import { Coordinator, startCoordinator, startParticipant } from './support/harness';
import { StubParticipant, problemAnswer } from './support/stub-participant';

describe('coordinator: GET /v1/transactions', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let inventory: StubParticipant;
  let account: StubParticipant;
  const created: { id: string; status: string; participant: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('coord_listing');
    coordinator = await startCoordinator(db.url);
    inventory = await startParticipant(coordinator.api, 'inventory', ['reserve']);
    account = await startParticipant(coordinator.api, 'account', ['debit']);
    account.behaviour = (call) =>
      call.payload.amount === 0 ? problemAnswer(409, 'INSUFFICIENT_FUNDS', 'no') : { status: 200 };
    for (let i = 0; i < 7; i++) {
      const participant = i % 2 === 0 ? 'inventory' : 'account';
      const payload =
        participant === 'inventory' ? { sku: `S${i}`, quantity: 1 } : { amount: i % 3 };
      const action = participant === 'inventory' ? 'reserve' : 'debit';
      const answer = await coordinator.api.post('/v1/transactions', {
        branches: [{ participant, action, payload }],
      });
      created.push({ id: answer.body.id, status: answer.body.status, participant });
    }
  });

  afterAll(async () => {
    await coordinator?.close();
    await inventory?.stop();
    await account?.stop();
    await db?.drop();
  });

  it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await coordinator.api.get(`/v1/transactions?limit=3${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(created.map((t) => t.id).reverse());

    const first = await coordinator.api.get('/v1/transactions?limit=2');
    // A transaction created after the first page does not shift the next one.
    await coordinator.api.post('/v1/transactions', {
      branches: [{ participant: 'inventory', action: 'reserve', payload: { sku: 'late' } }],
    });
    const next = await coordinator.api.get(
      `/v1/transactions?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(next.body.items.map((t: { id: string }) => t.id)).toEqual(
      created
        .map((t) => t.id)
        .reverse()
        .slice(2, 4),
    );
    expect(next.body.items[0].branches).toHaveLength(1);
    expect(next.body.items[0].events).toBeUndefined();
  });

  it('filters by status and participant', async () => {
    const cancelled = await coordinator.api.get('/v1/transactions?status=CANCELLED&limit=100');
    expect(cancelled.body.items.map((t: { id: string }) => t.id).sort()).toEqual(
      created
        .filter((t) => t.status === 'CANCELLED')
        .map((t) => t.id)
        .sort(),
    );
    expect(cancelled.body.items.length).toBeGreaterThan(0);
    const byAccount = await coordinator.api.get('/v1/transactions?participant=account');
    expect(byAccount.body.items.map((t: { id: string }) => t.id).sort()).toEqual(
      created
        .filter((t) => t.participant === 'account')
        .map((t) => t.id)
        .sort(),
    );
    const none = await coordinator.api.get('/v1/transactions?stuck=true');
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=1.5',
    'status=BOGUS',
    'status=CONFIRMED&status=CANCELLED',
    'stuck=maybe',
    'participant=Bad_Name',
    'cursor=not-a-cursor!',
    `cursor=${Buffer.from('123:not-a-uuid').toString('base64url')}`,
    'unknown=1',
  ])('answers 400 problem+json to %s', async (query) => {
    const answer = await coordinator.api.get(`/v1/transactions?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
  });
});
