import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEADLINE_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  TIMESTAMP_HEADER,
  signCall,
} from '@app/protocol';
import { entryPoint } from '../../scripts/lib/apps';
import { transfer } from '../support/branches';
import { createTestDatabase, TestDatabase } from '../support/db';
import { AppName, AppProcess, startApp } from '../support/processes';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(180_000);

const PROBLEM_JSON = /^application\/problem\+json/;
const MINUTE = 60_000;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | string;
}

async function call(
  url: string,
  method: string,
  options: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(url, { method, headers, body: options.body });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
  return {
    status: response.status,
    headers: response.headers,
    body: json ? (JSON.parse(text) as Record<string, unknown>) : text,
  };
}

/** A GET whose path goes out exactly as written (fetch would resolve `..`). */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The JSON request line an app wrote for `requestId`, waiting a moment for its log to catch up. */
async function logLine(app: AppProcess, requestId: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const line = app
      .logs()
      .split('\n')
      .filter((text) => text.includes(requestId) && text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      // The request line, not the lines logged while handling it, which share its id.
      .find((parsed) => parsed.requestId === requestId && typeof parsed.method === 'string');
    if (line || attempt === 100) return line ?? {};
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('security: tokens, signatures, limits, secrets', () => {
  let stack: Stack;
  /** Every X-TCC-Signature this test sent: none of them may show up in a log. */
  const sentSignatures: string[] = [];
  const extraApps: AppProcess[] = [];
  const extraDatabases: TestDatabase[] = [];
  /**
   * Beyond the stack's three shared secrets: two named client keys of the
   * coordinator, and one signing secret per participant, each participant
   * holding only its own.
   */
  const scoped = {
    checkoutKey: `test-checkout-${randomBytes(8).toString('hex')}`,
    billingKey: `test-billing-${randomBytes(8).toString('hex')}`,
    inventorySecret: `test-inventory-${randomBytes(8).toString('hex')}`,
    accountSecret: `test-account-${randomBytes(8).toString('hex')}`,
  };

  /** The timestamp and signature headers of a POST without deadline; the signature is remembered. */
  const signedPost = (
    path: string,
    body: string,
    secret = stack.secrets.signingSecret,
  ): Record<string, string> => {
    const timestamp = String(Date.now());
    const signature = signCall(secret, { timestamp, method: 'POST', path, deadline: '', body });
    sentSignatures.push(signature);
    return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature };
  };

  /** A phase call to the account participant, signed as told; the signature is remembered. */
  const phaseCall = async (
    phase: string,
    body: string,
    sign: {
      secret?: string;
      timestamp?: number;
      signedPath?: string;
      signedBody?: string;
      deadline?: string;
      /** The X-TCC-Deadline sent, when it differs from the one signed. */
      sentDeadline?: string;
      signature?: (valid: string) => string | undefined;
      token?: string;
      replay?: Record<string, string>;
    } = {},
  ): Promise<{ answer: Answer; headers: Record<string, string> }> => {
    const path = `/tcc/debit/${phase}`;
    const timestamp = String(sign.timestamp ?? Date.now());
    const deadline = sign.deadline ?? '';
    const valid = signCall(sign.secret ?? scoped.accountSecret, {
      timestamp,
      method: 'POST',
      path: sign.signedPath ?? path,
      deadline,
      body: sign.signedBody ?? body,
    });
    const signature = sign.signature ? sign.signature(valid) : valid;
    const sentDeadline = sign.sentDeadline ?? deadline;
    const headers: Record<string, string> = sign.replay ?? {
      [TIMESTAMP_HEADER]: timestamp,
      ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }),
      ...(sentDeadline ? { [DEADLINE_HEADER]: sentDeadline } : {}),
    };
    if (signature) sentSignatures.push(signature);
    const answer = await call(`${stack.apps.account.url}${path}`, 'POST', {
      body,
      headers,
      token: sign.token,
    });
    return { answer, headers };
  };

  const envelope = (transactionId: string, branchId: string, amount: number) =>
    JSON.stringify({ transactionId, branchId, payload: { accountId: 'sec-a', amount } });

  beforeAll(async () => {
    stack = await startStack({
      name: 'security',
      env: {
        coordinator: {
          TCC_API_KEYS: `checkout:${scoped.checkoutKey},billing:${scoped.billingKey}`,
          TCC_PARTICIPANT_SECRETS: `inventory:${scoped.inventorySecret},account:${scoped.accountSecret}`,
        },
        inventory: { TCC_SIGNING_SECRET: scoped.inventorySecret },
        account: { TCC_SIGNING_SECRET: scoped.accountSecret },
      },
    });
    await stack.seedAccount('sec-a', 10_000);
    await stack.seedAccount('sec-b', 10_000);
    await stack.seedStock('SEC-SKU', 10);
  });

  afterAll(async () => {
    await Promise.all(extraApps.map((app) => app.stop()));
    await Promise.all(extraDatabases.map((db) => db.drop()));
    await stack?.stop();
  });

  describe('bearer tokens', () => {
    const coordinator = () => stack.apps.coordinator.url;

    it('admin endpoints take only the admin token: 401 without it or with a near miss, 403 for the API key', async () => {
      const { apiKey, adminToken } = stack.secrets;
      const id = randomUUID();
      const endpoints: [string, string, string | undefined][] = [
        ['POST', `/v1/admin/transactions/${id}/retry`, undefined],
        ['POST', `/v1/admin/transactions/${id}/cancel`, undefined],
        ['POST', `/v1/admin/transactions/${id}/resolve`, '{"note":"checked"}'],
        ['GET', '/v1/admin/session', undefined],
        ['GET', '/v1/admin/stats', undefined],
      ];
      for (const [method, path, body] of endpoints) {
        const url = `${coordinator()}${path}`;
        for (const token of [undefined, 'wrong-token', `${adminToken}x`, adminToken.slice(0, -1)]) {
          const refused = await call(url, method, { token, body });
          expect({ path, token, status: refused.status }).toEqual({ path, token, status: 401 });
          expect(refused.headers.get('content-type')).toMatch(PROBLEM_JSON);
        }
        const forbidden = await call(url, method, { token: apiKey, body });
        expect({ path, status: forbidden.status }).toEqual({ path, status: 403 });
        expect(forbidden.body).toMatchObject({ code: 'FORBIDDEN' });
        const admitted = await call(url, method, { token: adminToken, body });
        expect([401, 403]).not.toContain(admitted.status);
      }
    });

    it('every client endpoint refuses a missing, wrong or near-miss token with 401', async () => {
      const { apiKey } = stack.secrets;
      const id = randomUUID();
      const endpoints: [string, string, string | undefined][] = [
        ['POST', '/v1/transactions', JSON.stringify({ branches: transfer('sec-a', 'sec-b', 1) })],
        ['GET', '/v1/transactions', undefined],
        ['GET', `/v1/transactions/${id}`, undefined],
        ['POST', `/v1/transactions/${id}/branches`, undefined],
        ['POST', `/v1/transactions/${id}/confirm`, undefined],
        ['POST', `/v1/transactions/${id}/cancel`, undefined],
        ['GET', '/v1/participants', undefined],
        ['POST', '/v1/participants', '{}'],
      ];
      const nearMisses = [`${apiKey}x`, apiKey.slice(0, -1), apiKey.slice(1), apiKey.toUpperCase()];
      for (const [method, path, body] of endpoints) {
        for (const token of [undefined, 'wrong-token', ...nearMisses]) {
          const refused = await call(`${coordinator()}${path}`, method, { token, body });
          expect({ path, token, status: refused.status }).toEqual({ path, token, status: 401 });
        }
      }
      // Nothing was started by any of them.
      expect(await stack.transactions()).toEqual([]);
    });

    it('takes each named key as its own caller and names it on the request line', async () => {
      for (const [token, caller] of [
        [scoped.checkoutKey, 'checkout'],
        [scoped.billingKey, 'billing'],
        [stack.secrets.apiKey, 'default'],
      ]) {
        const requestId = `sec-caller-${caller}`;
        const answer = await call(`${coordinator()}/v1/participants`, 'GET', {
          token,
          headers: { 'x-request-id': requestId },
        });
        expect(answer.status).toBe(200);
        expect(await logLine(stack.apps.coordinator, requestId)).toMatchObject({
          path: '/v1/participants',
          status: 200,
          caller,
        });
      }
      // A named key is the coordinator's: the participants were given none.
      const read = await call(`${stack.apps.account.url}/accounts/sec-a`, 'GET', {
        token: scoped.checkoutKey,
      });
      expect(read.status).toBe(401);
      const forbidden = await call(`${coordinator()}/v1/admin/stats`, 'GET', {
        token: scoped.checkoutKey,
      });
      expect(forbidden.status).toBe(403);
    });

    it('records the caller that started a transaction on it, on its log line and in the metric', async () => {
      await stack.seedAccount('sec-payer', 100);
      await stack.seedAccount('sec-payee', 100);
      const started: [string, string][] = [
        [scoped.checkoutKey, 'checkout'],
        [stack.secrets.apiKey, 'default'],
        [stack.secrets.adminToken, 'admin'],
      ];
      for (const [token, caller] of started) {
        const requestId = `sec-started-by-${caller}`;
        const answer = await call(`${coordinator()}/v1/transactions`, 'POST', {
          token,
          body: JSON.stringify({ branches: transfer('sec-payer', 'sec-payee', 1) }),
          headers: { 'x-request-id': requestId },
        });
        expect(answer.body).toMatchObject({ status: 'CONFIRMED', caller });
        const id = (answer.body as { id: string }).id;
        const view = await stack.api.getTransaction(id);
        expect(view.body).toMatchObject({ id, caller });
        expect(await logLine(stack.apps.coordinator, requestId)).toMatchObject({
          path: '/v1/transactions',
          caller,
        });
      }
      const metrics = await (await fetch(`${coordinator()}/metrics`)).text();
      for (const [, caller] of started) {
        expect(metrics).toContain(`tcc_transactions_started_total{caller="${caller}"} 1`);
      }
      // Every configured caller has its series from the start.
      expect(metrics).toContain('tcc_transactions_started_total{caller="billing"} 0');
    });

    it('participant reads take the API key; seeding takes only the admin token and never overwrites', async () => {
      const { apiKey, adminToken } = stack.secrets;
      const inventory = stack.apps.inventory.url;
      const account = stack.apps.account.url;
      for (const url of [
        `${inventory}/stock/SEC-SKU`,
        `${inventory}/orders/x`,
        `${account}/accounts/sec-a`,
      ]) {
        expect((await call(url, 'GET')).status).toBe(401);
        expect((await call(url, 'GET', { token: `${apiKey}x` })).status).toBe(401);
        expect([200, 404]).toContain((await call(url, 'GET', { token: apiKey })).status);
      }
      const seeding: [string, string, string][] = [
        ['PUT', `${inventory}/stock/SEC-NEW`, '{"available":5}'],
        ['POST', `${inventory}/stock/SEC-SKU/restock`, '{"quantity":5}'],
        ['PUT', `${account}/accounts/sec-new`, '{"balance":5}'],
      ];
      for (const [method, url, body] of seeding) {
        expect((await call(url, method, { body })).status).toBe(401);
        expect((await call(url, method, { body, token: apiKey })).status).toBe(403);
      }
      expect(await stack.stock('SEC-SKU')).toMatchObject({ available: 10 });

      const again = await call(`${account}/accounts/sec-a`, 'PUT', {
        body: '{"balance":999999}',
        token: adminToken,
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'ALREADY_EXISTS' });
      const restock = await call(`${inventory}/stock/SEC-SKU`, 'PUT', {
        body: '{"available":999999}',
        token: adminToken,
      });
      expect(restock.status).toBe(409);
      expect(await stack.account('sec-a')).toMatchObject({ balance: 10_000 });
      expect(await stack.stock('SEC-SKU')).toMatchObject({ available: 10 });
    });
  });

  describe('signed phase calls', () => {
    it('refuses a call without a valid signature made within five minutes, and changes nothing', async () => {
      const body = envelope(randomUUID(), randomUUID(), 100);
      const now = Date.now();
      const refusals: [string, Parameters<typeof phaseCall>[2]][] = [
        ['no signature', { signature: () => undefined }],
        ['the API key instead', { signature: () => undefined, token: stack.secrets.apiKey }],
        [
          'the admin token instead',
          { signature: () => undefined, token: stack.secrets.adminToken },
        ],
        ['another secret', { secret: 'not-the-signing-secret' }],
        [
          'the shared signing secret, which this participant no longer holds',
          { secret: stack.secrets.signingSecret },
        ],
        ["another participant's secret", { secret: scoped.inventorySecret }],
        ['a timestamp 5½ minutes old', { timestamp: now - SIGNATURE_TOLERANCE_MS - MINUTE / 2 }],
        ['a timestamp 5½ minutes ahead', { timestamp: now + SIGNATURE_TOLERANCE_MS + MINUTE / 2 }],
        ['a signature for the confirm path', { signedPath: '/tcc/debit/confirm' }],
        ['a body changed after signing', { signedBody: envelope(randomUUID(), randomUUID(), 1) }],
        ['a deadline added after signing', { sentDeadline: String(now + MINUTE) }],
        ['upper-case hex', { signature: (valid) => `sha256=${valid.slice(7).toUpperCase()}` }],
        ['a truncated signature', { signature: (valid) => valid.slice(0, -2) }],
        ['no sha256= prefix', { signature: (valid) => valid.slice(7) }],
      ];
      for (const [why, sign] of refusals) {
        const { answer } = await phaseCall('try', body, sign);
        expect({ why, status: answer.status }).toEqual({ why, status: 401 });
        expect(answer.body).toMatchObject({ code: 'BAD_SIGNATURE' });
      }
      expect(await stack.account('sec-a')).toMatchObject({ balance: 10_000, frozen: 0 });
    });

    it("refuses a call signed with another participant's secret or the shared one", async () => {
      const body = JSON.stringify({
        transactionId: randomUUID(),
        branchId: randomUUID(),
        payload: { sku: 'SEC-SKU', quantity: 1 },
      });
      for (const secret of [scoped.accountSecret, stack.secrets.signingSecret]) {
        const answer = await call(`${stack.apps.inventory.url}/tcc/reserve/try`, 'POST', {
          body,
          headers: signedPost('/tcc/reserve/try', body, secret),
        });
        expect(answer).toMatchObject({ status: 401, body: { code: 'BAD_SIGNATURE' } });
      }
      expect(await stack.stock('SEC-SKU')).toMatchObject({ available: 10, reserved: 0 });
    });

    it('accepts a timestamp up to five minutes off either way, and a replayed call changes nothing', async () => {
      const [transactionId, branchId] = [randomUUID(), randomUUID()];
      const body = envelope(transactionId, branchId, 100);
      const tried = await phaseCall('try', body, { timestamp: Date.now() - 4 * MINUTE });
      expect(tried.answer).toMatchObject({ status: 200, body: { outcome: 'ok', repeated: false } });
      expect(await stack.account('sec-a')).toMatchObject({ balance: 9_900, frozen: 100 });

      // The same bytes, headers and signature again, inside the window: the barrier answers once more.
      const replayed = await phaseCall('try', body, { replay: tried.headers });
      expect(replayed.answer).toMatchObject({ status: 200, body: { repeated: true } });
      expect(await stack.account('sec-a')).toMatchObject({ balance: 9_900, frozen: 100 });

      // A cancel re-sent with a bigger amount still releases what the try held, not the payload.
      const cancel = await phaseCall('cancel', envelope(transactionId, branchId, 5_000), {
        timestamp: Date.now() + 4 * MINUTE,
      });
      expect(cancel.answer).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });
      expect(await stack.account('sec-a')).toMatchObject({ balance: 10_000, frozen: 0 });

      const replayedTry = await phaseCall('try', body, { replay: tried.headers });
      expect(replayedTry.answer).toMatchObject({ status: 409, body: { code: 'TRY_CANCELLED' } });
      const replayedCancel = await phaseCall('cancel', envelope(transactionId, branchId, 5_000), {
        replay: cancel.headers,
      });
      expect(replayedCancel.answer).toMatchObject({ status: 200, body: { repeated: true } });
      expect(await stack.account('sec-a')).toMatchObject({ balance: 10_000, frozen: 0 });
    });
  });

  describe('participant registration', () => {
    const register = (
      body: Record<string, unknown>,
      options: { token?: string; secret?: string; replay?: Record<string, string> } = {},
    ) => {
      const raw = JSON.stringify(body);
      const signed = signedPost('/v1/participants', raw, options.secret);
      const headers = options.replay ?? signed;
      return call(`${stack.apps.coordinator.url}/v1/participants`, 'POST', {
        body: raw,
        headers,
        token: 'token' in options ? options.token : stack.secrets.apiKey,
      }).then((answer) => ({ answer, headers }));
    };

    it('needs the API key and a signature made with the signing secret', async () => {
      const probe = { name: 'sec-probe', baseUrl: 'http://127.0.0.1:9', actions: ['poke'] };
      expect((await register(probe, { token: undefined })).answer.status).toBe(401);
      expect((await register(probe, { secret: 'not-the-signing-secret' })).answer.status).toBe(401);
      const unsigned = await call(`${stack.apps.coordinator.url}/v1/participants`, 'POST', {
        body: JSON.stringify(probe),
        token: stack.secrets.apiKey,
      });
      expect(unsigned).toMatchObject({ status: 401, body: { code: 'BAD_SIGNATURE' } });
      const listed = await stack.api.listParticipants();
      expect(listed.ok && listed.body.items.map((p) => p.name).sort()).toEqual([
        'account',
        'inventory',
      ]);
    });

    it.each([
      ['credentials', 'http://user:secret@127.0.0.1:9'],
      ['another scheme', 'ftp://127.0.0.1/'],
      ['a file URL', 'file:///etc/passwd'],
      ['script', 'javascript:alert(1)'],
      ['a query', 'http://127.0.0.1:9/?next=evil'],
      ['a fragment', 'http://127.0.0.1:9/#x'],
      ['no URL at all', 'not a url'],
    ])('refuses a baseUrl with %s', async (_why, baseUrl) => {
      const { answer } = await register({ name: 'sec-probe', baseUrl, actions: ['poke'] });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(answer.body)).not.toContain('secret@');
    });

    it('takes a participant with its own secret only under its own name', async () => {
      const takeover = { name: 'account', baseUrl: 'http://127.0.0.1:9', actions: ['debit'] };
      for (const secret of [scoped.inventorySecret, stack.secrets.signingSecret]) {
        const { answer } = await register(takeover, { secret });
        expect(answer).toMatchObject({ status: 401, body: { code: 'BAD_SIGNATURE' } });
      }
      // Nor a name of its choosing: an unlisted name needs the shared secret, which it does not hold.
      const rogue = { name: 'sec-rogue', baseUrl: 'http://127.0.0.1:9', actions: ['debit'] };
      expect((await register(rogue, { secret: scoped.inventorySecret })).answer.status).toBe(401);
      const own = {
        name: 'account',
        baseUrl: stack.apps.account.url,
        actions: ['debit', 'credit'],
      };
      expect((await register(own, { secret: scoped.accountSecret })).answer.status).toBe(200);
      const listed = await stack.api.listParticipants();
      expect(listed.ok && listed.body.items.map((p) => [p.name, p.baseUrl])).toEqual([
        ['account', stack.apps.account.url],
        ['inventory', stack.apps.inventory.url],
      ]);
    });

    it('a replayed registration only re-asserts the same baseUrl', async () => {
      const inventory = {
        name: 'inventory',
        baseUrl: stack.apps.inventory.url,
        actions: ['reserve'],
      };
      const first = await register(inventory, { secret: scoped.inventorySecret });
      expect(first.answer.status).toBe(200);
      const replayed = await register(inventory, { replay: first.headers });
      expect(replayed.answer).toMatchObject({
        status: 200,
        body: { name: 'inventory', baseUrl: stack.apps.inventory.url },
      });
      // Replaying those headers with another baseUrl is a new body: the signature no longer fits.
      const moved = await register(
        { ...inventory, baseUrl: 'http://127.0.0.1:9' },
        { replay: first.headers, secret: scoped.inventorySecret },
      );
      expect(moved.answer.status).toBe(401);
      const bought = await stack.api.beginTransaction({
        branches: [
          { participant: 'inventory', action: 'reserve', payload: { sku: 'SEC-SKU', quantity: 1 } },
        ],
      });
      expect(bought.body).toMatchObject({ status: 'CONFIRMED' });
    });
  });

  describe('a participant that lies or answers garbage', () => {
    type Mode = 'endless' | 'garbage' | 'liar';
    let mode: Mode = 'liar';
    let server: Server;

    beforeAll(async () => {
      // Signed calls arrive here like at any participant; what it answers depends on `mode`.
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          switch (mode) {
            case 'endless': {
              res.writeHead(409, { 'content-type': 'application/problem+json' });
              const more = () => {
                while (res.write(`{"detail":"${'x'.repeat(64 * 1024)}`)) {
                  if (res.destroyed) return;
                }
                res.once('drain', more);
              };
              res.on('close', () => res.removeAllListeners('drain'));
              more();
              return;
            }
            case 'garbage':
              res.writeHead(409, { 'content-type': 'application/problem+json' });
              res.end(
                JSON.stringify({ code: 'LIE\u0000', detail: `bad\ud800\u0000${'y'.repeat(5000)}` }),
              );
              return;
            case 'liar':
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end('{"outcome":"ok"}');
              return;
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const body = JSON.stringify({
        name: 'sec-liar',
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        actions: ['take'],
      });
      const registered = await call(`${stack.apps.coordinator.url}/v1/participants`, 'POST', {
        body,
        token: stack.secrets.apiKey,
        headers: signedPost('/v1/participants', body),
      });
      expect(registered.status).toBe(200);
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const withLiar = (amount: number) => ({
      branches: [
        ...transfer('sec-a', 'sec-b', amount),
        { participant: 'sec-liar', action: 'take', payload: {} },
      ],
    });

    it('stops reading an endless answer and cancels, instead of filling memory until the timeout', async () => {
      mode = 'endless';
      const done = await stack.api.beginTransaction(withLiar(10));
      expect(done.body).toMatchObject({ status: 'CANCELLED', failedBranchId: expect.any(String) });
      const { reason } = done.body as { reason: string };
      expect(reason).toContain('sec-liar');
      expect(reason).not.toContain('no answer within');
      expect(reason.length).toBeLessThan(1000);
      expect(await stack.account('sec-a')).toMatchObject({ balance: 10_000, frozen: 0 });
    });

    it('stores its NUL characters and lone surrogates cleaned and its text clipped', async () => {
      mode = 'garbage';
      const done = await stack.api.beginTransaction(withLiar(10));
      const view = done.body as { status: string; reason: string; reasonCode: string };
      expect(view).toMatchObject({ status: 'CANCELLED', reasonCode: 'LIE' });
      expect(view.reason).not.toContain('\u0000');
      expect(/\p{Cs}/u.test(view.reason)).toBe(false);
      expect(view.reason.length).toBeLessThan(1000);
    });

    it('can lie about its own branch, but the other branches are applied for real', async () => {
      mode = 'liar';
      const done = await stack.api.beginTransaction(withLiar(10));
      expect(done.body).toMatchObject({ status: 'CONFIRMED' });
      expect(await stack.account('sec-a')).toMatchObject({ balance: 9_990, frozen: 0 });
      expect(await stack.account('sec-b')).toMatchObject({ balance: 10_010, incoming: 0 });
    });
  });

  describe('limits', () => {
    const nested = (depth: number): unknown =>
      depth === 1 ? { leaf: 1 } : { child: nested(depth - 1) };

    it('answers every limit with a 4xx problem naming what is wrong', async () => {
      const { apiKey, adminToken } = stack.secrets;
      const coordinator = stack.apps.coordinator.url;
      const branch = (payload: unknown, participant = 'account', action = 'credit') => ({
        participant,
        action,
        payload,
      });
      const begin = (branches: unknown[], headers: Record<string, string> = {}) =>
        call(`${coordinator}/v1/transactions`, 'POST', {
          token: apiKey,
          body: JSON.stringify({ branches }),
          headers,
        });
      const before = (await stack.transactions()).length;
      const cases: [string, Promise<Answer>, number, string | null][] = [
        ['payload 9 deep', begin([branch(nested(9))]), 400, 'branches.0.payload'],
        [
          'payload over 16 KiB',
          begin([branch({ blob: 'x'.repeat(16 * 1024) })]),
          400,
          'branches.0.payload',
        ],
        ['payload with NUL', begin([branch({ accountId: 'a\u0000' })]), 400, 'branches.0.payload'],
        [
          'body 40 deep',
          call(`${coordinator}/v1/transactions`, 'POST', {
            token: apiKey,
            body: `${'['.repeat(40)}${']'.repeat(40)}`,
          }),
          400,
          'body',
        ],
        ['51 branches', begin(Array.from({ length: 51 }, () => branch({}))), 400, 'branches'],
        [
          'participant name in capitals',
          begin([branch({}, 'Account')]),
          400,
          'branches.0.participant',
        ],
        [
          'action name of 64 characters',
          begin([branch({}, 'account', 'a'.repeat(64))]),
          400,
          'branches.0.action',
        ],
        [
          'Idempotency-Key of 256 characters',
          begin([branch({})], { 'idempotency-key': 'k'.repeat(256) }),
          400,
          'Idempotency-Key',
        ],
        [
          'limit 101',
          call(`${coordinator}/v1/transactions?limit=101`, 'GET', { token: apiKey }),
          400,
          'limit',
        ],
        [
          'q of 256 characters',
          call(`${coordinator}/v1/transactions?q=${'q'.repeat(256)}`, 'GET', { token: apiKey }),
          400,
          'q',
        ],
        [
          'a transaction id that is not a UUID',
          call(`${coordinator}/v1/transactions/1%20OR%201=1`, 'GET', { token: apiKey }),
          404,
          null,
        ],
        [
          'a note of 2001 characters',
          call(`${coordinator}/v1/admin/transactions/${randomUUID()}/resolve`, 'POST', {
            token: adminToken,
            body: JSON.stringify({ note: 'n'.repeat(2001) }),
          }),
          400,
          'note',
        ],
        [
          'a body over 256 KiB',
          call(`${stack.apps.account.url}/accounts/sec-c`, 'PUT', {
            token: adminToken,
            body: JSON.stringify({ balance: 1, pad: 'x'.repeat(300 * 1024) }),
          }),
          413,
          null,
        ],
        [
          'an account id of 65 characters',
          call(`${stack.apps.account.url}/accounts/${'a'.repeat(65)}`, 'GET', { token: apiKey }),
          400,
          'id',
        ],
        [
          'a SKU with a quote',
          call(`${stack.apps.inventory.url}/stock/x'%20OR%20'1'='1`, 'GET', { token: apiKey }),
          400,
          'sku',
        ],
        [
          'a balance of 2^53',
          call(`${stack.apps.account.url}/accounts/sec-c`, 'PUT', {
            token: adminToken,
            body: '{"balance":9007199254740992}',
          }),
          400,
          'balance',
        ],
        [
          'headers over 16 KiB',
          call(`${coordinator}/v1/participants`, 'GET', {
            token: apiKey,
            headers: { 'x-padding': 'p'.repeat(20 * 1024) },
          }),
          431,
          null,
        ],
      ];
      for (const [why, pending, status, field] of cases) {
        const answer = await pending;
        expect({ why, status: answer.status }).toEqual({ why, status });
        expect({ why, type: answer.headers.get('content-type') }).toEqual({
          why,
          type: expect.stringMatching(PROBLEM_JSON),
        });
        const problem = answer.body as {
          status?: number;
          code?: string;
          errors?: { field: string }[];
        };
        expect(problem.status).toBe(status);
        expect(typeof problem.code).toBe('string');
        if (field !== null) {
          expect({ why, fields: problem.errors?.map((e) => e.field) }).toEqual({
            why,
            fields: expect.arrayContaining([field]),
          });
        }
      }
      expect(await stack.transactions()).toHaveLength(before);
    });

    it('serves nothing outside the admin UI folder', async () => {
      const coordinator = stack.apps.coordinator.url;
      const page = await call(`${coordinator}/admin/`, 'GET');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      for (const path of [
        '/admin/../package.json',
        '/admin/..%2f..%2f..%2fpackage.json',
        '/admin/%2e%2e/%2e%2e/%2e%2e/package.json',
        '/admin/..%5c..%5c..%5cpackage.json',
        '/admin/%c0%ae%c0%ae/package.json',
        '/admin/.env',
        '/admin/..',
      ]) {
        const answer = await rawGet(coordinator, path);
        expect({ path, status: answer.status >= 400 || answer.status === 301 }).toEqual({
          path,
          status: true,
        });
        expect(answer.text).not.toContain('tcc-coordinator');
      }
    });
  });

  describe('rate limit (TCC_RATE_LIMIT_PER_MINUTE)', () => {
    const start = async (app: AppName, env: Record<string, string>): Promise<AppProcess> => {
      const started = await startApp(app, {
        TCC_API_KEY: stack.secrets.apiKey,
        TCC_ADMIN_TOKEN: stack.secrets.adminToken,
        TCC_SIGNING_SECRET: stack.secrets.signingSecret,
        ...env,
      });
      extraApps.push(started);
      return started;
    };

    it('answers the coordinator client past its budget with 429 and Retry-After, per credential and address', async () => {
      const database = await createTestDatabase('security_rate');
      extraDatabases.push(database);
      const limited = await start('coordinator', {
        DATABASE_URL: database.url,
        TCC_RATE_LIMIT_PER_MINUTE: '5',
      });
      const participants = `${limited.url}/v1/participants`;
      for (let i = 0; i < 5; i++) {
        expect((await call(participants, 'GET', { token: stack.secrets.apiKey })).status).toBe(200);
      }
      const refused = await call(participants, 'GET', { token: stack.secrets.apiKey });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(refused.body).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

      // The admin token has its own budget; probes have none.
      expect(
        (await call(`${limited.url}/v1/admin/session`, 'GET', { token: stack.secrets.adminToken }))
          .status,
      ).toBe(204);
      for (let i = 0; i < 10; i++)
        expect((await call(`${limited.url}/health`, 'GET')).status).toBe(200);

      // Guessed tokens share the address's budget, so guessing runs into the limit too.
      const guesses: number[] = [];
      for (let i = 0; i < 7; i++)
        guesses.push((await call(participants, 'GET', { token: `guess-${i}` })).status);
      expect(guesses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(guesses.slice(5)).toEqual([429, 429]);
    });

    it('limits the participants business endpoints but never the signed phase calls', async () => {
      const database = await createTestDatabase('security_rate_inv');
      extraDatabases.push(database);
      const limited = await start('inventory', {
        DATABASE_URL: database.url,
        // No coordinator: registration keeps failing in the background, which costs nothing here.
        COORDINATOR_URL: 'http://127.0.0.1:9',
        TCC_RATE_LIMIT_PER_MINUTE: '3',
      });
      const stock = `${limited.url}/stock/SEC-SKU`;
      const reads: number[] = [];
      for (let i = 0; i < 4; i++)
        reads.push((await call(stock, 'GET', { token: stack.secrets.apiKey })).status);
      expect(reads).toEqual([404, 404, 404, 429]);
      for (let i = 0; i < 6; i++) {
        const body = JSON.stringify({
          transactionId: randomUUID(),
          branchId: randomUUID(),
          payload: { sku: 'SEC-SKU', quantity: 1 },
        });
        const cancel = await call(`${limited.url}/tcc/reserve/cancel`, 'POST', {
          body,
          headers: signedPost('/tcc/reserve/cancel', body),
        });
        expect(cancel.status).toBe(200);
      }
    });
  });

  describe('rotation and revocation', () => {
    const values = (label: string) => `test-${label}-${randomBytes(8).toString('hex')}`;
    const key = { old: values('key-old'), new: values('key-new') };
    const checkout = { old: values('checkout-old'), new: values('checkout-new') };
    const billing = values('billing');
    const admin = { old: values('admin-old'), new: values('admin-new') };
    const inventory = { old: values('inventory-old'), new: values('inventory-new') };
    const rotating = {
      TCC_API_KEY: key.new,
      TCC_API_KEY_PREVIOUS: key.old,
      TCC_API_KEYS: `checkout:${checkout.new},billing:${billing}`,
      TCC_API_KEYS_PREVIOUS: `checkout:${checkout.old}`,
      TCC_ADMIN_TOKEN: admin.new,
      TCC_ADMIN_TOKEN_PREVIOUS: admin.old,
      TCC_SIGNING_SECRET: values('signing'),
      TCC_PARTICIPANT_SECRETS: `inventory:${inventory.new}`,
      TCC_PARTICIPANT_SECRETS_PREVIOUS: `inventory:${inventory.old}`,
    };
    // The rotation finished and billing revoked: the previous values and billing's key are gone.
    const rotated = {
      TCC_API_KEY: key.new,
      TCC_API_KEYS: `checkout:${checkout.new}`,
      TCC_ADMIN_TOKEN: admin.new,
      TCC_SIGNING_SECRET: rotating.TCC_SIGNING_SECRET,
      TCC_PARTICIPANT_SECRETS: `inventory:${inventory.new}`,
    };

    /** What a coordinator with `env` answers to each credential. */
    const answersOf = async (env: Record<string, string>) => {
      const database = await createTestDatabase('security_rotation');
      extraDatabases.push(database);
      const coordinator = await startApp('coordinator', { DATABASE_URL: database.url, ...env });
      try {
        const read = async (token: string) =>
          (await call(`${coordinator.url}/v1/participants`, 'GET', { token })).status;
        const operate = async (token: string) =>
          (await call(`${coordinator.url}/v1/admin/session`, 'GET', { token })).status;
        const registerWith = async (secret: string) => {
          const body = JSON.stringify({
            name: 'inventory',
            baseUrl: 'http://127.0.0.1:9',
            actions: ['reserve'],
          });
          const answer = await call(`${coordinator.url}/v1/participants`, 'POST', {
            body,
            token: key.new,
            headers: signedPost('/v1/participants', body, secret),
          });
          return answer.status;
        };
        return {
          keys: {
            new: await read(key.new),
            old: await read(key.old),
            checkoutNew: await read(checkout.new),
            checkoutOld: await read(checkout.old),
            billing: await read(billing),
          },
          admin: { new: await operate(admin.new), old: await operate(admin.old) },
          registration: {
            new: await registerWith(inventory.new),
            old: await registerWith(inventory.old),
          },
        };
      } finally {
        await coordinator.stop();
      }
    };

    it('accepts the previous API keys, admin token and participant secret during a rotation, and refuses them and a revoked key after', async () => {
      expect(await answersOf(rotating)).toEqual({
        keys: { new: 200, old: 200, checkoutNew: 200, checkoutOld: 200, billing: 200 },
        admin: { new: 204, old: 204 },
        registration: { new: 200, old: 200 },
      });
      expect(await answersOf(rotated)).toEqual({
        keys: { new: 200, old: 401, checkoutNew: 200, checkoutOld: 401, billing: 401 },
        admin: { new: 204, old: 401 },
        registration: { new: 200, old: 401 },
      });
    });
  });

  describe('production start', () => {
    const run = (app: AppName, env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [entryPoint(app)], {
          env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        let stdout = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stderr, stdout }));
      });

    const strong = {
      TCC_API_KEY: 'prod-api-key-0123456789',
      TCC_ADMIN_TOKEN: 'prod-admin-token-0123456789',
      TCC_SIGNING_SECRET: 'prod-signing-secret-0123456789',
    };
    const cases: [string, Record<string, string>, string][] = [
      ['no secrets at all', {}, 'TCC_API_KEY'],
      ['the development API key', { ...strong, TCC_API_KEY: 'dev-api-key' }, 'TCC_API_KEY'],
      [
        'the development admin token',
        { ...strong, TCC_ADMIN_TOKEN: 'dev-admin-token' },
        'TCC_ADMIN_TOKEN',
      ],
      [
        'no admin token',
        { TCC_API_KEY: strong.TCC_API_KEY, TCC_SIGNING_SECRET: strong.TCC_SIGNING_SECRET },
        'TCC_ADMIN_TOKEN',
      ],
      [
        'the development signing secret',
        { ...strong, TCC_SIGNING_SECRET: 'dev-signing-secret' },
        'TCC_SIGNING_SECRET',
      ],
      [
        'the development previous secret',
        { ...strong, TCC_SIGNING_SECRET_PREVIOUS: 'dev-signing-secret' },
        'TCC_SIGNING_SECRET_PREVIOUS',
      ],
      [
        'the development previous admin token',
        { ...strong, TCC_ADMIN_TOKEN_PREVIOUS: 'dev-admin-token' },
        'TCC_ADMIN_TOKEN_PREVIOUS',
      ],
      [
        'a named key too short',
        { ...strong, TCC_API_KEYS: 'checkout:short' },
        'TCC_API_KEYS entry 1',
      ],
      [
        'a named key that is the admin token',
        { ...strong, TCC_API_KEYS: `checkout:${strong.TCC_ADMIN_TOKEN}` },
        'TCC_ADMIN_TOKEN',
      ],
    ];
    // Valid but unreachable databases: the configuration is refused before any connection.
    const places = {
      DATABASE_URL: 'postgres://tcc@127.0.0.1:9/tcc',
      ACCOUNT_SHARD_URLS: 'postgres://tcc@127.0.0.1:9/tcc_account',
    };

    it.each(['coordinator', 'inventory', 'account'] as AppName[])(
      '%s refuses missing or development secrets with one line naming the variable and exit code 1',
      async (app) => {
        const results = await Promise.all(cases.map(([, env]) => run(app, { ...places, ...env })));
        results.forEach((result, index) => {
          const [why, env, variable] = cases[index];
          const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
          expect({ why, code: result.code, lines }).toEqual({
            why,
            code: 1,
            lines: [expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `))],
          });
          for (const value of Object.values(env)) {
            expect(result.stderr + result.stdout).not.toContain(value);
          }
        });
      },
    );

    it('refuses a per-participant secret that repeats another, and any in a participant', async () => {
      const shared = strong.TCC_SIGNING_SECRET;
      const results = await Promise.all([
        run('coordinator', {
          ...places,
          ...strong,
          TCC_PARTICIPANT_SECRETS: `inventory:${shared}`,
        }),
        run('inventory', {
          ...places,
          ...strong,
          TCC_PARTICIPANT_SECRETS: 'account:prod-account-secret-0123',
        }),
      ]);
      expect(results.map((result) => [result.code, result.stderr.trim()])).toEqual([
        [1, expect.stringMatching(/^Invalid configuration: TCC_PARTICIPANT_SECRETS entry 1 /)],
        [1, expect.stringMatching(/^Invalid configuration: TCC_PARTICIPANT_SECRETS /)],
      ]);
      expect(results.map((result) => result.stderr).join('')).not.toMatch(
        new RegExp(`${shared}|prod-account-secret`),
      );
    });
  });

  it('never writes a token, a secret or a signature to any log', async () => {
    // One more flow with phase calls, so that every kind of line is in the logs.
    const done = await stack.api.beginTransaction({ branches: transfer('sec-b', 'sec-a', 25) });
    expect(done.body).toMatchObject({ status: 'CONFIRMED' });
    await stack.checkInvariants({
      accounts: { 'sec-a': 10_000, 'sec-b': 10_000 },
      skus: { 'SEC-SKU': 10 },
    });
    const logs = [...Object.values(stack.apps), ...extraApps].map((app) => app.logs()).join('\n');
    expect(logs).toContain('/tcc/debit/try');
    expect(logs).toContain('/v1/participants');
    for (const secret of [...Object.values(stack.secrets), ...Object.values(scoped)]) {
      expect(logs).not.toContain(secret);
    }
    expect(sentSignatures.length).toBeGreaterThan(20);
    for (const signature of sentSignatures) expect(logs).not.toContain(signature.slice(7));
    expect(logs).not.toMatch(/sha256=/);
    expect(logs).not.toMatch(/Bearer\s/);
  });
});
