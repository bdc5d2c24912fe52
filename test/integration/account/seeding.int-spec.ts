import request from 'supertest';
import { TOKENS } from '../participant/support';
import { AccountApp, startAccountApp } from './account-app';

describe('account seeding, reading and health', () => {
  let account: AccountApp;
  beforeAll(async () => {
    account = await startAccountApp('account_seed');
  });
  afterAll(() => account?.close());

  const http = () => request(account.app.getHttpServer());
  const put = (id: string, body: unknown, token: string | null = TOKENS.adminToken) => {
    const req = http().put(`/accounts/${encodeURIComponent(id)}`);
    if (token !== null) req.set('authorization', `Bearer ${token}`);
    return req.send(body as object);
  };
  const get = (id: string, token: string | null = TOKENS.apiKey) => {
    const req = http().get(`/accounts/${encodeURIComponent(id)}`);
    return token === null ? req : req.set('authorization', `Bearer ${token}`);
  };

  it('places accounts on both shards, stores each row there only, and GET names the shard', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `seed-spread-${i}`);
    for (const id of ids) await account.seed(id, 1000);
    const byShard: Record<string, string[]> = { 'shard-0': [], 'shard-1': [] };
    for (const id of ids) {
      const view = await account.account(id);
      expect(view).toEqual({ id, balance: 1000, frozen: 0, incoming: 0, shard: view.shard });
      byShard[view.shard].push(id);
    }
    expect(byShard['shard-0'].length).toBeGreaterThan(0);
    expect(byShard['shard-1'].length).toBeGreaterThan(0);
    for (const [shard, other] of [
      ['shard-0', 'shard-1'],
      ['shard-1', 'shard-0'],
    ]) {
      const here = await account.query<{ id: string }>(
        shard,
        `SELECT id FROM accounts WHERE id LIKE 'seed-spread-%' ORDER BY id`,
      );
      expect(here.map((row) => row.id)).toEqual([...byShard[shard]].sort());
      const there = await account.query(other, `SELECT 1 FROM accounts WHERE id = ANY($1)`, [
        byShard[shard],
      ]);
      expect(there).toEqual([]);
    }
  });

  it('answers 201 with the new account and 409 ALREADY_EXISTS without touching an existing one', async () => {
    const created = await put('seed-once', { balance: 500 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'seed-once', balance: 500, frozen: 0, incoming: 0 });
    const again = await put('seed-once', { balance: 9 });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body.code).toBe('ALREADY_EXISTS');
    expect((await account.account('seed-once')).balance).toBe(500);
  });

  it('seeding needs the admin token: 401 without or with a wrong one, 403 for the API key', async () => {
    expect((await put('seed-auth', { balance: 1 }, null)).status).toBe(401);
    expect((await put('seed-auth', { balance: 1 }, 'wrong-token')).status).toBe(401);
    const forbidden = await put('seed-auth', { balance: 1 }, TOKENS.apiKey);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    expect((await get('seed-auth')).status).toBe(404);
  });

  it.each([
    ['a negative balance', { balance: -1 }],
    ['a fraction', { balance: 1.5 }],
    ['a string', { balance: '100' }],
    ['more than 2^53-1', { balance: 2 ** 53 }],
    ['no balance', {}],
    ['an unknown field', { balance: 1, frozen: 5 }],
  ])('refuses %s with 400 problem+json', async (_, body) => {
    const response = await put('seed-bad', body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect((await get('seed-bad')).status).toBe(404);
  });

  it('accepts balances 0 and 2^53-1', async () => {
    expect((await put('seed-zero', { balance: 0 })).status).toBe(201);
    expect((await put('seed-max', { balance: Number.MAX_SAFE_INTEGER })).status).toBe(201);
    expect((await account.account('seed-max')).balance).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses account ids outside 1-64 of [A-Za-z0-9._:@-] with 400', async () => {
    expect((await put('a'.repeat(65), { balance: 1 })).status).toBe(400);
    expect((await put('has space', { balance: 1 })).status).toBe(400);
    expect((await get('semi;colon')).status).toBe(400);
    expect((await put('ok.id:user@host-1_x', { balance: 1 })).status).toBe(201);
  });

  it('reading needs the API key (or the admin token) and answers 404 problem+json for unknown ids', async () => {
    await account.seed('seed-read', 42);
    expect((await get('seed-read', null)).status).toBe(401);
    expect((await get('seed-read', TOKENS.adminToken)).status).toBe(200);
    const missing = await get('seed-nobody');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('reports every shard in GET /health, without a token', async () => {
    const response = await http().get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', shards: { 'shard-0': 'up', 'shard-1': 'up' } });
  });
});
