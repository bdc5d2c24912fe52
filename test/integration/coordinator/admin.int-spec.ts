import { signCall } from '@app/protocol';
import { createTestDatabase, TestDatabase } from '../../support/db';
import {
  ADMIN_TOKEN,
  API_KEY,
  Answer,
  Coordinator,
  SIGNING_SECRET,
  startCoordinator,
  startParticipant,
} from './support/harness';
import { StubParticipant } from './support/stub-participant';

describe('coordinator: admin, registration and operations endpoints', () => {
  let db: TestDatabase;
  let coordinator: Coordinator;
  let account: StubParticipant;

  beforeAll(async () => {
    db = await createTestDatabase('coord_admin');
    coordinator = await startCoordinator(db.url);
    account = await startParticipant(coordinator.api, 'account', ['debit']);
  });

  afterAll(async () => {
    await coordinator?.close();
    await account?.stop();
    await db?.drop();
  });

  beforeEach(() => {
    account.behaviour = () => ({ status: 200 });
  });

  const debit = { participant: 'account', action: 'debit', payload: { accountId: 'c', amount: 1 } };
  const admin = (path: string, body?: unknown, token: string | null = ADMIN_TOKEN) =>
    coordinator.api.request('POST', `/v1/admin/transactions${path}`, { body, token });
  const confirmingTransaction = async (): Promise<Answer['body']> => {
    account.behaviour = (call) => (call.phase === 'confirm' ? { status: 500 } : { status: 200 });
    const answer = await coordinator.api.post('/v1/transactions', { branches: [debit] });
    expect(answer.status).toBe(202);
    return answer.body;
  };

  it('accepts only the admin token: 401 without or with a wrong one, 403 for the API key', async () => {
    const { id } = await confirmingTransaction();
    for (const action of ['retry', 'cancel', 'resolve']) {
      const body = action === 'resolve' ? { note: 'n' } : undefined;
      expect((await admin(`/${id}/${action}`, body, null)).status).toBe(401);
      expect((await admin(`/${id}/${action}`, body, 'wrong-token')).status).toBe(401);
      const forbidden = await admin(`/${id}/${action}`, body, API_KEY);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
    }
    expect((await coordinator.api.request('GET', '/v1/transactions', { token: null })).status).toBe(
      401,
    );
    expect(
      (await coordinator.api.request('GET', '/v1/transactions', { token: ADMIN_TOKEN })).status,
    ).toBe(200);
  });

  it('retries phase 2 now, and refuses to retry a finished transaction', async () => {
    const { id } = await confirmingTransaction();
    account.behaviour = () => ({ status: 200 });
    const retried = await admin(`/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'CONFIRMED', attempts: 1 });
    const again = await admin(`/${id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_FINISHED');
  });

  it('resolves by hand: no participant is called again, the note stays, finished ones get 409', async () => {
    const { id, branches } = await confirmingTransaction();
    const missingNote = await admin(`/${id}/resolve`, {});
    expect(missingNote.status).toBe(400);
    expect((await admin(`/${id}/resolve`, { note: 'a\u0000b' })).status).toBe(400);
    const resolved = await admin(`/${id}/resolve`, { note: 'settled with the bank by phone' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ id, status: 'CONFIRMING', resolved: true });
    const event = resolved.body.events.find((e: { type: string }) => e.type === 'RESOLVED');
    expect(event.detail).toEqual({ note: 'settled with the bank by phone' });

    const calls = account.callsOf('confirm', branches[0].id).length;
    coordinator.clock.advance(60_000);
    await coordinator.recovery.recoverOnce();
    expect(account.callsOf('confirm', branches[0].id)).toHaveLength(calls);
    expect((await admin(`/${id}/retry`)).status).toBe(409);
    expect((await admin(`/${id}/resolve`, { note: 'again' })).status).toBe(409);

    account.behaviour = () => ({ status: 200 });
    const done = await coordinator.api.post('/v1/transactions', { branches: [debit] });
    expect(done.body.status).toBe('CONFIRMED');
    const finished = await admin(`/${done.body.id}/resolve`, { note: 'too late' });
    expect(finished.status).toBe(409);
    expect(finished.body.code).toBe('ALREADY_FINISHED');
    expect(
      (await admin('/00000000-0000-4000-8000-000000000001/resolve', { note: 'x' })).status,
    ).toBe(404);
  });

  it('cancels a trying transaction for an operator', async () => {
    const begun = await coordinator.api.post('/v1/transactions', {
      branches: [debit],
      autoCommit: false,
    });
    const cancelled = await admin(`/${begun.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      reason: 'Cancelled by an operator.',
    });
    expect(account.holds.get(cancelled.body.branches[0].id)).toBe('cancelled');
  });

  it('registers participants only with the API key and a valid signature', async () => {
    const raw = JSON.stringify({ name: 'intruder', baseUrl: 'http://127.0.0.1:1', actions: ['x'] });
    const timestamp = String(Date.now());
    const signed = (secret: string, body = raw) =>
      signCall(secret, { timestamp, method: 'POST', path: '/v1/participants', deadline: '', body });
    const post = (headers: Record<string, string>, token: string | null = API_KEY, body = raw) =>
      coordinator.api.request('POST', '/v1/participants', { raw: body, headers, token });

    expect((await post({})).status).toBe(401);
    const wrongSecret = await post({
      'x-tcc-timestamp': timestamp,
      'x-tcc-signature': signed('not-the-secret'),
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.code).toBe('BAD_SIGNATURE');
    const otherBody = await post({
      'x-tcc-timestamp': timestamp,
      'x-tcc-signature': signed(SIGNING_SECRET, raw.replace('intruder', 'other')),
    });
    expect(otherBody.status).toBe(401);
    const stale = String(Date.now() - 10 * 60_000);
    const staleSignature = signCall(SIGNING_SECRET, {
      timestamp: stale,
      method: 'POST',
      path: '/v1/participants',
      deadline: '',
      body: raw,
    });
    expect(
      (await post({ 'x-tcc-timestamp': stale, 'x-tcc-signature': staleSignature })).status,
    ).toBe(401);
    const good = { 'x-tcc-timestamp': timestamp, 'x-tcc-signature': signed(SIGNING_SECRET) };
    expect((await post(good, null)).status).toBe(401);
    const names = (await coordinator.api.get('/v1/participants')).body.items.map(
      (p: { name: string }) => p.name,
    );
    expect(names).not.toContain('intruder');

    for (const body of [
      { name: 'p1', baseUrl: 'http://user:pw@127.0.0.1:1', actions: ['a'] },
      { name: 'p1', baseUrl: 'ftp://127.0.0.1', actions: ['a'] },
      { name: 'p1', baseUrl: 'http://127.0.0.1:1', actions: [] },
      { name: 'p1', baseUrl: 'http://127.0.0.1:1', actions: ['Bad_Action'] },
      { name: 'P1', baseUrl: 'http://127.0.0.1:1', actions: ['a'] },
      { name: 'p1', baseUrl: 'http://127.0.0.1:1', actions: ['a'], extra: true },
    ]) {
      const text = JSON.stringify(body);
      const answer = await post(
        { 'x-tcc-timestamp': timestamp, 'x-tcc-signature': signed(SIGNING_SECRET, text) },
        API_KEY,
        text,
      );
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
    }
    const moved = await coordinator.api.register('account', 'http://127.0.0.1:9/moved/', ['debit']);
    expect(moved.status).toBe(200);
    expect(moved.body.baseUrl).toBe('http://127.0.0.1:9/moved');
  });

  it('serves /health without a token', async () => {
    const health = await coordinator.api.request('GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', database: 'up' });
  });
});
