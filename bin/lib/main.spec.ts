import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './main';

/** What the CLI sends: a begin request or a resolve note. */
interface SentBody {
  note?: string;
  autoCommit?: boolean;
  timeoutMs?: number;
  branches: { participant: string; action: string; payload: Record<string, unknown> }[];
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: SentBody | undefined;
}

type Route = (seen: Seen) => { status: number; body?: unknown; type?: string; headers?: object };

/** A stand-in coordinator on 127.0.0.1 that answers from a route table and records requests. */
class FakeCoordinator {
  readonly seen: Seen[] = [];
  routes: Record<string, Route> = {};
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: text ? (JSON.parse(text) as SentBody) : undefined,
    };
    this.seen.push(seen);
    const route = this.routes[`${seen.method} ${seen.url.split('?')[0]}`];
    const answer = route
      ? route(seen)
      : { status: 404, body: { detail: 'No such transaction.', code: 'NOT_FOUND', status: 404 } };
    const type =
      answer.type ?? (answer.status >= 400 ? 'application/problem+json' : 'application/json');
    res.writeHead(answer.status, { 'content-type': type, ...answer.headers });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null));
  }
}

function transaction(status: string, extra: object = {}) {
  return {
    id: 'tx-1',
    status,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:01.000Z',
    deadline: '2025-01-01T10:00:10.000Z',
    reason: null,
    reasonCode: null,
    failedBranchId: null,
    stuck: false,
    resolved: false,
    attempts: 0,
    branches: [],
    events: [],
    ...extra,
  };
}

describe('runCli against a stand-in coordinator', () => {
  const coordinator = new FakeCoordinator();
  let stdout = '';
  let stderr = '';

  beforeAll(() => coordinator.start());
  afterAll(() => coordinator.stop());
  beforeEach(() => {
    coordinator.seen.length = 0;
    coordinator.routes = {};
    stdout = '';
    stderr = '';
  });

  function tcc(...argv: string[]): Promise<number> {
    return runCli(
      argv,
      { TCC_COORDINATOR_URL: coordinator.url, TCC_API_KEY: 'key', TCC_ADMIN_TOKEN: 'admin' },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
  }

  it('status: shows the transaction with the API key and exits 0 when it confirmed', async () => {
    coordinator.routes['GET /v1/transactions/tx-1'] = () => ({
      status: 200,
      body: transaction('CONFIRMED'),
    });
    expect(await tcc('status', 'tx-1')).toBe(0);
    expect(coordinator.seen[0].headers.authorization).toBe('Bearer key');
    expect(stdout).toContain('Status       CONFIRMED');
  });

  it.each([
    ['CANCELLED', {}],
    ['CANCELLING', {}],
    ['CONFIRMING', { stuck: true }],
  ])(
    'status: exits 0 for a %s transaction it found, and 3 for one it did not',
    async (status, extra) => {
      coordinator.routes['GET /v1/transactions/tx-1'] = () => ({
        status: 200,
        body: transaction(status, extra),
      });
      expect(await tcc('status', 'tx-1')).toBe(0);
      expect(stdout).toContain(`Status       ${status}`);
      expect(await tcc('status', 'tx-2')).toBe(3);
    },
  );

  it('status: encodes the id into the path', async () => {
    await tcc('status', 'a/b?c');
    expect(coordinator.seen[0].url).toBe('/v1/transactions/a%2Fb%3Fc');
  });

  it('an error answer exits 3 with its detail and code', async () => {
    expect(await tcc('status', 'missing')).toBe(3);
    expect(stderr).toBe('error: No such transaction. (NOT_FOUND, HTTP 404)\n');
    expect(stdout).toBe('');
  });

  it('--json prints the problem on stdout for scripts', async () => {
    expect(await tcc('status', 'missing', '--json')).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('a non-JSON error page still exits 3 with its text', async () => {
    coordinator.routes['GET /v1/transactions/tx-1'] = () => ({
      status: 502,
      body: 'upstream down',
      type: 'text/plain',
    });
    expect(await tcc('status', 'tx-1')).toBe(3);
    expect(stderr).toBe('error: upstream down (HTTP 502)\n');
  });

  it('list: passes the filters and prints the next-page command', async () => {
    coordinator.routes['GET /v1/transactions'] = () => ({
      status: 200,
      body: { items: [transaction('CONFIRMING', { stuck: true })], nextCursor: 'c2' },
    });
    expect(
      await tcc(
        'list',
        '--stuck',
        '--status',
        'confirming',
        '--participant',
        'account',
        '--limit',
        '5',
      ),
    ).toBe(0);
    expect(coordinator.seen[0].url).toBe(
      '/v1/transactions?stuck=true&status=CONFIRMING&participant=account&limit=5',
    );
    expect(stdout).toContain('tx-1  CONFIRMING STUCK');
    expect(stdout).toContain(
      'Next page: tcc list --stuck --status CONFIRMING --participant account --limit 5 --cursor c2',
    );
  });

  it('list: refuses an unknown status without sending anything', async () => {
    expect(await tcc('list', '--status', 'DONE')).toBe(2);
    expect(stderr).toMatch(/^tcc: --status must be one of TRYING/);
    expect(stderr).toContain('Usage: tcc list');
    expect(coordinator.seen).toHaveLength(0);
  });

  it('retry: uses the admin token on the admin path', async () => {
    coordinator.routes['POST /v1/admin/transactions/tx-1/retry'] = () => ({
      status: 200,
      body: transaction('CONFIRMED'),
    });
    expect(await tcc('retry', 'tx-1')).toBe(0);
    expect(coordinator.seen[0].headers.authorization).toBe('Bearer admin');
    expect(stdout).toContain('Phase 2 retried.');
  });

  it('retry: reads the transaction when the answer has no body, and hints at the admin token on 403', async () => {
    coordinator.routes['POST /v1/admin/transactions/tx-1/retry'] = () => ({ status: 204 });
    coordinator.routes['GET /v1/transactions/tx-1'] = () => ({
      status: 200,
      body: transaction('CANCELLED'),
    });
    expect(await tcc('retry', 'tx-1')).toBe(0);
    expect(coordinator.seen.map((s) => s.method)).toEqual(['POST', 'GET']);

    coordinator.routes['POST /v1/admin/transactions/tx-1/retry'] = () => ({
      status: 403,
      body: { detail: 'This endpoint needs the admin token.', code: 'FORBIDDEN' },
    });
    expect(await tcc('retry', 'tx-1')).toBe(3);
    expect(stderr).toContain('hint: this command needs the admin token, not the API key');
  });

  it('resolve: sends the note, and refuses to run without one', async () => {
    expect(await tcc('resolve', 'tx-1')).toBe(2);
    expect(coordinator.seen).toHaveLength(0);
    coordinator.routes['POST /v1/admin/transactions/tx-1/resolve'] = () => ({
      status: 200,
      body: transaction('CONFIRMING', { resolved: true }),
    });
    expect(await tcc('resolve', 'tx-1', '--note', 'refunded by hand')).toBe(0);
    expect(coordinator.seen[0].body).toEqual({ note: 'refunded by hand' });
  });

  it('transfer: debits and credits in one autoCommit transaction with the idempotency key', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 200,
      body: transaction('CONFIRMED'),
    });
    expect(
      await tcc('transfer', 'alice', 'bob', '500', '--idempotency-key', 'k-1', '--timeout', '5000'),
    ).toBe(0);
    expect(coordinator.seen[0].headers['idempotency-key']).toBe('k-1');
    expect(coordinator.seen[0].body).toEqual({
      autoCommit: true,
      timeoutMs: 5000,
      branches: [
        { participant: 'account', action: 'debit', payload: { accountId: 'alice', amount: 500 } },
        { participant: 'account', action: 'credit', payload: { accountId: 'bob', amount: 500 } },
      ],
    });
    expect(stdout).toMatch(/^Transfer of 500 from alice to bob: CONFIRMED\n/);
  });

  it('transfer: exits 1 and shows the reason when the transaction was cancelled', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 200,
      body: transaction('CANCELLED', {
        reason: 'branch b-1 (account debit) refused: insufficient funds',
      }),
    });
    expect(await tcc('transfer', 'alice', 'bob', '500')).toBe(1);
    expect(stdout).toContain('Reason       branch b-1 (account debit) refused: insufficient funds');
  });

  it('transfer: follows a transaction whose phase 2 is still running', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 202,
      body: transaction('CONFIRMING'),
      headers: { location: '/v1/transactions/tx-1' },
    });
    coordinator.routes['GET /v1/transactions/tx-1'] = () => ({
      status: 200,
      body: transaction('CONFIRMED'),
    });
    expect(await tcc('transfer', 'alice', 'bob', '1')).toBe(0);
    expect(coordinator.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(stdout).toContain(': CONFIRMED\n');
  });

  it('transfer: with --wait 0 reports a decided confirm at once', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 202,
      body: transaction('CONFIRMING'),
    });
    expect(await tcc('transfer', 'alice', 'bob', '1', '--wait', '0')).toBe(0);
    expect(coordinator.seen).toHaveLength(1);
    expect(stdout).toContain('Confirm is decided');
  });

  it('transfer: refuses amounts the protocol does not carry', async () => {
    expect(await tcc('transfer', 'alice', 'bob', '0')).toBe(2);
    expect(await tcc('transfer', 'alice', 'bob', '12.5')).toBe(2);
    expect(await tcc('transfer', 'alice', 'bob', '5', '--timeout', '99')).toBe(2);
    expect(coordinator.seen).toHaveLength(0);
  });

  it('buy: reserves, debits the buyer and credits the shop under one new order id', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 200,
      body: transaction('CONFIRMED'),
      headers: { 'idempotent-replayed': 'true' },
    });
    expect(await tcc('buy', 'SKU-1', '3', 'alice', '--price', '250')).toBe(0);
    const branches = coordinator.seen[0].body?.branches ?? [];
    const orderId = String(branches[0].payload.orderId);
    expect(orderId).toMatch(/^order-[0-9a-f-]{36}$/);
    expect(branches).toEqual([
      {
        participant: 'inventory',
        action: 'reserve',
        payload: { sku: 'SKU-1', quantity: 3, orderId },
      },
      { participant: 'account', action: 'debit', payload: { accountId: 'alice', amount: 750 } },
      { participant: 'account', action: 'credit', payload: { accountId: 'shop', amount: 750 } },
    ]);
    expect(stdout).toContain(`Order ${orderId} (3 × SKU-1 for 750, alice → shop): CONFIRMED`);
    expect(stdout).toContain('Replayed');
  });

  it('buy: uses the given shop and the default price, and refuses an overflowing total', async () => {
    coordinator.routes['POST /v1/transactions'] = () => ({
      status: 200,
      body: transaction('CANCELLED'),
    });
    expect(await tcc('buy', 'SKU-1', '2', 'alice', '--shop', 'store-9', '--json')).toBe(1);
    expect(coordinator.seen[0].body?.branches[2].payload).toEqual({
      accountId: 'store-9',
      amount: 200,
    });
    expect(JSON.parse(stdout)).toMatchObject({ id: 'tx-1', status: 'CANCELLED' });
    expect(await tcc('buy', 'SKU-1', '9007199254740991', 'alice')).toBe(2);
  });

  it('exits 4 when nothing listens at the coordinator URL', async () => {
    const closed = new FakeCoordinator();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    expect(await tcc('status', 'tx-1', '--url', url)).toBe(4);
    expect(stderr).toBe(`error: cannot reach the coordinator at ${url} (ECONNREFUSED)\n`);
  });

  it('retry: exits 1 while phase 2 is still unfinished', async () => {
    coordinator.routes['POST /v1/admin/transactions/tx-1/retry'] = () => ({
      status: 200,
      body: transaction('CANCELLING', { stuck: true }),
    });
    expect(await tcc('retry', 'tx-1')).toBe(1);
    coordinator.routes['POST /v1/admin/transactions/tx-1/retry'] = () => ({
      status: 200,
      body: transaction('CONFIRMING'),
    });
    expect(await tcc('retry', 'tx-1')).toBe(1);
  });

  it.each([
    [
      ['transfer', 'alice', 'bob', '-5'],
      '<amount> must be a positive integer (1 to 9007199254740991), got "-5"',
    ],
    [
      ['transfer', 'alice', 'bob', '5', '--timeout', '50'],
      '--timeout must be an integer of at least 100, got "50"',
    ],
    [
      ['transfer', 'alice', 'bob', '5', '--timeout', '-5'],
      '--timeout must be an integer of at least 100, got "-5"',
    ],
    [
      ['buy', 'SKU-1', '-2', 'bob'],
      '<qty> must be a positive integer (1 to 9007199254740991), got "-2"',
    ],
    [['list', '--limit', '-1'], '--limit must be an integer from 1 to 100, got "-1"'],
    [['list', '--bogus'], 'unknown option "--bogus" ("tcc list --help" lists the options)'],
  ])('usage error for %j: one clear line, exit 2, nothing sent', async (argv, message) => {
    expect(await tcc(...argv)).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`tcc: ${message}`);
    expect(stderr).toMatch(/^Usage: tcc /m);
    expect(coordinator.seen).toHaveLength(0);
  });

  it('exits 2 for a bad URL and 0 with the command list for --help', async () => {
    expect(await tcc('status', 'x', '--url', 'ftp://x')).toBe(2);
    expect(await tcc('--help')).toBe(0);
    expect(stdout).toContain('Commands:');
    expect(stdout).toMatch(/Exit codes:\n {2}0 {3}done: status and list found what was asked/);
  });
});
