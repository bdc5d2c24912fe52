import { transfer } from '../support/branches';
import { tcc } from '../support/cli';
import { freePort } from '@app/database';
import { startStack, Stack } from '../support/stack';

jest.setTimeout(120_000);

describe('tcc command line against a running stack', () => {
  let stack: Stack;
  let env: Record<string, string>;
  let payer: string;
  let payee: string;
  let confirmedId: string;
  let cancelledId: string;
  const stuck: string[] = [];

  const run = (...args: string[]) => tcc(args, env);
  const newest = async (): Promise<string> => {
    const page = await stack.api.listTransactions({ limit: 1 });
    if (!page.ok) throw new Error(`list answered ${page.status}`);
    return page.body.items[0].id;
  };

  beforeAll(async () => {
    stack = await startStack({
      name: 'cli',
      env: {
        // Stuck at the first failed phase-2 attempt, and recovery's next try is at least
        // 30 s away: the retries this test makes are the only ones.
        coordinator: {
          TCC_STUCK_AFTER_ATTEMPTS: '1',
          TCC_RETRY_BASE_MS: '60000',
          TCC_RETRY_MAX_MS: '600000',
        },
      },
    });
    env = {
      TCC_COORDINATOR_URL: stack.apps.coordinator.url,
      TCC_API_KEY: stack.secrets.apiKey,
      TCC_ADMIN_TOKEN: stack.secrets.adminToken,
    };
    [payer, payee] = await stack.seedCrossShardPair('cli', 10_000);
    await stack.seedAccount('cli-shop', 0);
    await stack.seedStock('CLI-SKU', 10);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('transfer: confirms, prints CONFIRMED and exits 0', async () => {
    const result = await run('transfer', payer, payee, '250');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Transfer of 250 from ${payer} to ${payee}: CONFIRMED`);
    confirmedId = await newest();
    expect(result.stdout).toContain(confirmedId);
    expect(await stack.account(payee)).toMatchObject({ balance: 10_250 });
  });

  it('transfer: exits 1 when the payer cannot cover it, showing the cancel reason', async () => {
    const result = await run('transfer', payer, payee, '1000000');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('CANCELLED');
    expect(result.stdout).toContain('INSUFFICIENT_FUNDS');
    cancelledId = await newest();
  });

  it('buy: reserves, debits and credits in one transaction, exits 0', async () => {
    const result = await run('buy', 'CLI-SKU', '2', payer, '--price', '300', '--shop', 'cli-shop');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Order order-[0-9a-f-]+ \(2 × CLI-SKU for 600, .* → cli-shop\): CONFIRMED/,
    );
    expect(await stack.stock('CLI-SKU')).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await stack.account('cli-shop')).toMatchObject({ balance: 600 });
  });

  it('status: shows the transaction and its branches, with events on request', async () => {
    const result = await run('status', confirmedId, '--events');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(confirmedId);
    expect(result.stdout).toMatch(/Status\s+CONFIRMED/);
    expect(result.stdout).toContain('debit');
    expect(result.stdout).toContain('CONFIRMED');
    expect(result.stdout).toContain('TRY_OK');

    // A lookup that found the transaction succeeded, whatever its status.
    const cancelled = await run('status', cancelledId);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/Status\s+CANCELLED/);
    const unknown = await run('status', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('HTTP 404');
  });

  it('list --status: only transactions with that status', async () => {
    const result = await run('list', '--status', 'cancelled');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(cancelledId);
    expect(result.stdout).not.toContain(confirmedId);
    const json = await run('list', '--status', 'CONFIRMED', '--json');
    const page = JSON.parse(json.stdout) as { items: { id: string; status: string }[] };
    expect(page.items.map((item) => item.id)).toContain(confirmedId);
    expect(new Set(page.items.map((item) => item.status))).toEqual(new Set(['CONFIRMED']));
  });

  it('list --stuck, retry and resolve --note: an operator settles what a dead participant left', async () => {
    for (let i = 0; i < 2; i++) {
      const begun = await stack.api.beginTransaction({
        branches: transfer(payer, payee, 10 + i),
        autoCommit: false,
        timeoutMs: 120_000,
      });
      expect(begun.status).toBe(201);
      stuck.push((begun.body as { id: string }).id);
    }
    stack.apps.account.kill('SIGKILL');
    for (const id of stuck) {
      const confirm = await stack.api.confirm(id);
      expect(confirm.status).toBe(202);
      expect(confirm.body).toMatchObject({ status: 'CONFIRMING', stuck: true });
    }

    const listed = await run('list', '--stuck');
    expect(listed.code).toBe(0);
    for (const id of stuck) expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('CONFIRMING STUCK');
    expect(listed.stdout).not.toContain(confirmedId);

    const stillDown = await run('retry', stuck[0]);
    expect(stillDown.code).toBe(1);
    expect(stillDown.stdout).toContain('Phase 2 retried.');
    expect(stillDown.stdout).toContain('CONFIRMING STUCK');
    expect(stillDown.stdout).toMatch(/ECONNREFUSED/);

    await stack.apps.account.restart();
    const retried = await run('retry', stuck[0]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/Status\s+CONFIRMED/);

    const noNote = await run('resolve', stuck[1]);
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain('--note is required');

    const resolved = await run('resolve', stuck[1], '--note', 'Credited by hand, ticket OPS-7');
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toContain('Resolved by hand.');
    expect(resolved.stdout).toContain('RESOLVED');
    const events = await run('status', stuck[1], '--events');
    expect(events.stdout).toContain('Credited by hand, ticket OPS-7');

    const after = await run('list', '--stuck');
    expect(after.code).toBe(0);
    for (const id of stuck) expect(after.stdout).not.toContain(id);
  });

  it('exits 2 on bad usage, without calling the coordinator', async () => {
    const before = await newest();
    const missing = await run('transfer', payer, payee);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Usage: tcc transfer <from> <to> <amount>/);
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    const badAmount = await run('transfer', payer, payee, 'ten');
    expect(badAmount.code).toBe(2);
    const negative = await run('transfer', payer, payee, '-5');
    expect(negative.code).toBe(2);
    expect(negative.stderr).toBe(
      'tcc: <amount> must be a positive integer (1 to 9007199254740991), got "-5"\n' +
        'Usage: tcc transfer <from> <to> <amount> [--timeout MS] [--idempotency-key K] [--wait MS]\n',
    );
    const shortTimeout = await run('transfer', payer, payee, '5', '--timeout', '5');
    expect(shortTimeout.code).toBe(2);
    expect(shortTimeout.stderr).toMatch(/^tcc: --timeout must be an integer of at least 100/);
    expect(await newest()).toBe(before);
  });

  it('a request the coordinator refuses shows its one message per field and exits 3', async () => {
    const result = await run('transfer', payer, payee, '5', '--timeout', '99999999');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\(VALIDATION_FAILED, HTTP 400\)/);
    expect(result.stderr).toMatch(/^ {2}timeoutMs: [^;\n]+$/m);
  });

  it('exits 3 when the coordinator refuses the token', async () => {
    const wrong = await tcc(['status', confirmedId], { ...env, TCC_API_KEY: 'not-the-api-key' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('HTTP 401');
    expect(wrong.stderr).toContain('TCC_API_KEY');
    const apiKeyAsAdmin = await tcc(['retry', stuck[0]], {
      ...env,
      TCC_ADMIN_TOKEN: stack.secrets.apiKey,
    });
    expect(apiKeyAsAdmin.code).toBe(3);
    expect(apiKeyAsAdmin.stderr).toContain('HTTP 403');
  });

  it('exits 4 when no coordinator answers', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const result = await tcc(['status', confirmedId], { ...env, TCC_COORDINATOR_URL: nobody });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(nobody);
  });
});
