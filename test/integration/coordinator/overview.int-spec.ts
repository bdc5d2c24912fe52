import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  ADMIN_TOKEN,
  API_KEY,
  Coordinator,
  queryLog,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant, problemAnswer } from './support/stub-participant';

type Item = { id: string };
const ids = (body: { items: Item[] }): string[] => body.items.map((item) => item.id).sort();

describe('coordinator: admin overview and list filters', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;
  const confirmed: string[] = [];
  const cancelled: string[] = [];
  let keyed = '';
  let stuck = '';

  beforeAll(async () => {
    db = await createTestDatabase('coord_overview');
    coordinator = await startCoordinator(db.url, { TCC_STUCK_AFTER_ATTEMPTS: '1' });
    account = await startParticipant(coordinator.api, 'account', ['debit']);
    account.behaviour = (call) => {
      if (call.payload.amount === 0) return problemAnswer(409, 'INSUFFICIENT_FUNDS', 'no');
      if (call.payload.amount === 13 && call.phase === 'confirm') return { status: 503 };
      return { status: 200 };
    };
    const begin = (amount: number, key?: string) =>
      coordinator.api.post(
        '/v1/transactions',
        { branches: [{ participant: 'account', action: 'debit', payload: { amount } }] },
        key ? { 'idempotency-key': key } : {},
      );
    for (const amount of [1, 2, 0, 3, 0]) {
      const answer = await begin(amount);
      (answer.body.status === 'CONFIRMED' ? confirmed : cancelled).push(answer.body.id as string);
    }
    const withKey = await begin(4, 'overview-key-1');
    keyed = withKey.body.id as string;
    confirmed.push(keyed);
    // Confirm is refused with 503 once: with TCC_STUCK_AFTER_ATTEMPTS=1 it is stuck at once.
    const blocked = await begin(13);
    expect(blocked.status).toBe(202);
    stuck = blocked.body.id as string;
  });

  afterAll(async () => {
    await coordinator?.close();
    await account?.stop();
    await db?.drop();
  });

  it('answers GET /v1/admin/session with 204 for the admin token only', async () => {
    const session = (token: string | null) =>
      coordinator.api.request('GET', '/v1/admin/session', { token });
    expect((await session(ADMIN_TOKEN)).status).toBe(204);
    expect((await session(API_KEY)).status).toBe(403);
    expect((await session('wrong-token-value')).status).toBe(401);
    expect((await session(null)).status).toBe(401);
  });

  it('counts by status, stuck, the last hour in twelve five-minute buckets, and participants', async () => {
    const stats = await coordinator.api.request('GET', '/v1/admin/stats', { token: ADMIN_TOKEN });
    expect(stats.status).toBe(200);
    expect(stats.body.byStatus).toEqual({
      TRYING: 0,
      CONFIRMING: 1,
      CONFIRMED: confirmed.length,
      CANCELLING: 0,
      CANCELLED: cancelled.length,
    });
    expect(stats.body.stuck).toBe(1);
    const { bucketMinutes, buckets } = stats.body.lastHour as {
      bucketMinutes: number;
      buckets: { at: string; confirmed: number; cancelled: number }[];
    };
    expect(bucketMinutes).toBe(5);
    expect(buckets).toHaveLength(12);
    const starts = buckets.map((bucket) => Date.parse(bucket.at));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(5 * 60_000);
    expect(starts[0] % (5 * 60_000)).toBe(0);
    const sum = (key: 'confirmed' | 'cancelled') =>
      buckets.reduce((total, bucket) => total + bucket[key], 0);
    expect(sum('confirmed')).toBe(confirmed.length);
    expect(sum('cancelled')).toBe(cancelled.length);
    expect(stats.body.participants).toEqual([
      expect.objectContaining({ name: 'account', actions: ['debit'] }),
    ]);
    expect((await coordinator.api.get('/v1/admin/stats')).status).toBe(403);
  });

  it('leaves a resolved transaction out of the stuck count', async () => {
    const other = await coordinator.api.post('/v1/transactions', {
      branches: [{ participant: 'account', action: 'debit', payload: { amount: 13 } }],
    });
    const before = await coordinator.api.request('GET', '/v1/admin/stats', { token: ADMIN_TOKEN });
    expect(before.body.stuck).toBe(2);
    const resolved = await coordinator.api.request(
      'POST',
      `/v1/admin/transactions/${other.body.id}/resolve`,
      { token: ADMIN_TOKEN, body: { note: 'settled by hand in the overview test' } },
    );
    expect(resolved.status).toBe(200);
    const after = await coordinator.api.request('GET', '/v1/admin/stats', { token: ADMIN_TOKEN });
    expect(after.body.stuck).toBe(1);
  });

  it('finds one transaction by exact id or idempotency key with q', async () => {
    expect(ids((await coordinator.api.get(`/v1/transactions?q=${keyed}`)).body)).toEqual([keyed]);
    expect(
      ids((await coordinator.api.get(`/v1/transactions?q=${keyed.toUpperCase()}`)).body),
    ).toEqual([keyed]);
    expect(ids((await coordinator.api.get('/v1/transactions?q=overview-key-1')).body)).toEqual([
      keyed,
    ]);
    expect(ids((await coordinator.api.get('/v1/transactions?q=overview-key')).body)).toEqual([]);
    expect(ids((await coordinator.api.get(`/v1/transactions?q=${stuck}&stuck=true`)).body)).toEqual(
      [stuck],
    );
  });

  it('finds transactions by the start of their id, as the admin UI shows it', async () => {
    // Every transaction of this suite, the ones other tests added included.
    const all = ids((await coordinator.api.get('/v1/transactions?limit=100')).body);
    const search = async (q: string) =>
      ids((await coordinator.api.get(`/v1/transactions?limit=100&q=${q}`)).body);
    const startingWith = (prefix: string) => all.filter((id) => id.startsWith(prefix)).sort();
    for (const prefix of [keyed.slice(0, 8), keyed.slice(0, 11), keyed.slice(0, 2), keyed[0]]) {
      expect(await search(prefix)).toEqual(startingWith(prefix));
      expect(await search(prefix.toUpperCase())).toEqual(startingWith(prefix));
    }
    expect(await search(keyed.slice(0, 8))).toContain(keyed);
    // Only the start of an id counts: its middle or a prefix with a wrong separator finds nothing.
    expect(await search(keyed.slice(1, 9))).toEqual(startingWith(keyed.slice(1, 9)));
    expect(await search(`${keyed.slice(0, 4)}-`)).toEqual([]);
  });

  it('filters by a created-at range, bounds included', async () => {
    const [row] = await queryLog<{ created: Date }>(
      db.url,
      `SELECT created_at AS created FROM transactions WHERE id = $1`,
      [keyed],
    );
    const at = encodeURIComponent(row.created.toISOString());
    const exactly = await coordinator.api.get(`/v1/transactions?from=${at}&to=${at}`);
    expect(exactly.status).toBe(200);
    expect(ids(exactly.body)).toEqual([keyed]);
    const since = await coordinator.api.get(`/v1/transactions?from=${at}&limit=100`);
    expect(ids(since.body)).toContain(stuck);
    expect(ids(since.body)).not.toContain(confirmed[0]);
    const until = await coordinator.api.get(`/v1/transactions?to=${at}&limit=100`);
    expect(ids(until.body)).toEqual([...confirmed, ...cancelled].sort());
  });

  it.each([
    ['a word for from', 'from=yesterday', 'from'],
    ['month 13', 'to=2026-13-01T00:00:00Z', 'to'],
    ['an ISO week date', 'from=2026-W01', 'from'],
    ['from after to', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['a space in q', 'q=has%20space', 'q'],
    ['a q longer than a key', `q=${'k'.repeat(256)}`, 'q'],
    ['an id prefix with the ellipsis the UI shows', 'q=169ba6fd%E2%80%A6', 'q'],
    ['an empty q', 'q=', 'q'],
  ])('refuses %s with 400 naming the field', async (_label, query, field) => {
    const answer = await coordinator.api.get(`/v1/transactions?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
