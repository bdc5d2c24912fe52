import { transfer } from '../support/branches';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

/** Metric name → value of the series with exactly these labels (all of them, in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
    );
    const same =
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => found[key] === value);
    if (same) return Number(match[3]);
  }
  return Number.NaN;
}

const TCC_METRICS = [
  'tcc_transactions_started_total',
  'tcc_transactions_finished_total',
  'tcc_phase_duration_seconds',
  'tcc_participant_call_duration_seconds',
  'tcc_participant_call_errors_total',
  'tcc_phase2_retries_total',
  'tcc_stuck_transactions',
  'tcc_recovery_loop_duration_seconds',
  'tcc_recovery_last_run_timestamp_seconds',
];

describe('operations: metrics, health, docs, security headers and logs', () => {
  let stack: Stack;
  let payer: string;
  let payee: string;

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${stack.apps.coordinator.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return response.text();
  };

  beforeAll(async () => {
    stack = await startStack({ name: 'operations' });
    [payer, payee] = await stack.seedCrossShardPair('ops', 10_000);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves every named metric and the default Node.js metrics at /metrics without a token', async () => {
    const text = await scrape();
    for (const name of TCC_METRICS) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(sample(text, 'tcc_stuck_transactions')).toBe(0);
  });

  it('moves the counters and histograms when transactions run', async () => {
    const before = await scrape();
    const confirmed = await stack.api.beginTransaction({ branches: transfer(payer, payee, 100) });
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED' });
    const cancelled = await stack.api.beginTransaction({
      branches: transfer(payer, payee, 1_000_000),
    });
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}): number =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(moved('tcc_transactions_started_total', { caller: 'default' })).toBe(2);
    expect(moved('tcc_transactions_finished_total', { outcome: 'confirmed' })).toBe(1);
    expect(moved('tcc_transactions_finished_total', { outcome: 'cancelled' })).toBe(1);
    expect(moved('tcc_phase_duration_seconds_count', { phase: 'try' })).toBe(2);
    expect(moved('tcc_phase_duration_seconds_count', { phase: 'confirm' })).toBe(1);
    expect(moved('tcc_phase_duration_seconds_count', { phase: 'cancel' })).toBe(1);
    const calls = (phase: string, outcome: string): number =>
      sample(after, 'tcc_participant_call_duration_seconds_count', {
        participant: 'account',
        phase,
        outcome,
      }) || 0;
    expect(calls('try', 'ok')).toBeGreaterThanOrEqual(3);
    expect(calls('try', 'refused')).toBeGreaterThanOrEqual(1);
    expect(calls('confirm', 'ok')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'tcc_recovery_last_run_timestamp_seconds')).toBeGreaterThan(0);
    // Labels are bounded: no transaction or branch id ever becomes a label value.
    expect(after).not.toContain((confirmed.body as { id: string }).id);
  });

  it('answers /health with the database and /health/ready once the recovery loop runs', async () => {
    const health = await stack.coordinatorHttp.get('/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', database: 'up' });

    let ready = await stack.coordinatorHttp.get('/health/ready', { token: null });
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await stack.coordinatorHttp.get('/health/ready', { token: null });
    }
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', database: 'up', recovery: 'up' });
    expect(Number.isNaN(Date.parse(ready.body.recoveryLastRunAt as string))).toBe(false);
  });

  it('describes every endpoint, both tokens and the participant protocol in /docs-json', async () => {
    const docs = await stack.coordinatorHttp.get('/docs-json', { token: null });
    expect(docs.status).toBe(200);
    const operations = Object.entries(
      docs.body.paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => method !== 'servers')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /v1/transactions',
        'GET /v1/transactions',
        'GET /v1/transactions/{id}',
        'POST /v1/transactions/{id}/branches',
        'POST /v1/transactions/{id}/confirm',
        'POST /v1/transactions/{id}/cancel',
        'POST /v1/participants',
        'GET /v1/participants',
        'POST /v1/admin/transactions/{id}/retry',
        'POST /v1/admin/transactions/{id}/cancel',
        'POST /v1/admin/transactions/{id}/resolve',
        'GET /v1/admin/stats',
        'GET /v1/admin/session',
        'GET /health',
        'GET /health/ready',
        'GET /metrics',
        'POST /tcc/{action}/{phase}',
      ].sort(),
    );
    expect(Object.keys(docs.body.components.securitySchemes).sort()).toEqual([
      'admin-token',
      'api-key',
    ]);
    const begin = docs.body.paths['/v1/transactions'].post;
    expect(Object.keys(begin.requestBody.content['application/json'].examples)).toEqual(
      expect.arrayContaining(['transfer', 'purchase']),
    );
    expect(Object.keys(begin.responses)).toEqual(
      expect.arrayContaining(['200', '201', '202', '400', '401', '413', '422']),
    );
    expect(begin.responses['422'].content['application/problem+json']).toBeDefined();
    const retry = docs.body.paths['/v1/admin/transactions/{id}/retry'].post;
    expect(retry.security).toEqual([{ 'admin-token': [] }]);
    expect(Object.keys(retry.responses)).toEqual(expect.arrayContaining(['401', '403', '409']));
    const branches = docs.body.paths['/v1/transactions/{id}/branches'].post;
    expect(Object.keys(branches.responses)).toEqual(expect.arrayContaining(['409', '502']));
    expect(JSON.stringify(docs.body.tags)).toContain('X-TCC-Signature');

    const ui = await fetch(`${stack.apps.coordinator.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('serves the admin UI with the strict Content-Security-Policy and helmet headers everywhere', async () => {
    const page = await fetch(`${stack.apps.coordinator.url}/admin`);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${stack.apps.coordinator.url}/admin/`);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;" +
        "connect-src 'self';frame-ancestors 'none';base-uri 'none';form-action 'self'",
    );
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<script type="module" src="/admin/app.js">');

    const script = await fetch(`${stack.apps.coordinator.url}/admin/js/api.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toContain("script-src 'self'");

    const api = await stack.coordinatorHttp.get('/v1/participants');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(api.headers['x-powered-by']).toBeUndefined();
  });

  it('logs JSON lines with transaction ids, and no token, secret or signature', async () => {
    const started = await stack.api.beginTransaction({ branches: transfer(payee, payer, 7) });
    const id = (started.body as { id: string }).id;
    await stack.api.getTransaction(id);

    type Line = Record<string, unknown>;
    const read = () => {
      const logs = {
        coordinator: stack.apps.coordinator.logs(),
        inventory: stack.apps.inventory.logs(),
        account: stack.apps.account.logs(),
      };
      const parsed = Object.fromEntries(
        Object.entries(logs).map(([app, text]) => [
          app,
          text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => {
              try {
                return JSON.parse(line) as Line;
              } catch {
                throw new Error(`${app} wrote a line that is not JSON: ${line}`);
              }
            }),
        ]),
      ) as Record<keyof typeof logs, Line[]>;
      return { logs, lines: parsed };
    };
    // The apps write their lines as they answer; the files catch up a moment later.
    const complete = ({ lines }: ReturnType<typeof read>): boolean =>
      lines.coordinator.some((line) => line.path === `/v1/transactions/${id}`) &&
      lines.account.some(
        (line) => line.transactionId === id && line.path === '/tcc/credit/confirm',
      );
    let current = read();
    for (let i = 0; i < 100 && !complete(current); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = read();
    }
    const { logs, lines } = current;

    for (const [app, parsed] of Object.entries(lines)) {
      expect(parsed.length).toBeGreaterThan(0);
      for (const line of parsed) {
        expect(line).toMatchObject({ app, level: expect.any(String), msg: expect.any(String) });
      }
    }
    expect(lines.coordinator).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: `/v1/transactions/${id}`,
        status: 200,
        durationMs: expect.any(Number),
        transactionId: id,
      }),
    );
    expect(lines.coordinator).toContainEqual(
      expect.objectContaining({
        participant: 'account',
        action: 'debit',
        phase: 'confirm',
        transactionId: id,
        branchId: expect.any(String),
        outcome: 'ok',
        status: 200,
        durationMs: expect.any(Number),
      }),
    );
    expect(lines.account).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: '/tcc/credit/confirm',
        status: 200,
        transactionId: id,
        branchId: expect.any(String),
      }),
    );
    // Seeding requests are logged as a line, never with their body.
    const seeding = lines.account.filter((line) => line.method === 'PUT');
    expect(seeding.length).toBeGreaterThan(0);
    for (const line of seeding) {
      expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['body']));
      expect(JSON.stringify(line)).not.toContain('balance');
    }

    const everything = Object.values(logs).join('\n');
    for (const secret of Object.values(stack.secrets)) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/sha256=/);
    expect(everything).not.toMatch(/Bearer /);
  });
});
