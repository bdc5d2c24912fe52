import { transfer } from '../support/branches';
import type { Stack } from '../support/stack';
import { answerViolations } from './support/consistency';
import { FaultStack, startFaultStack } from './support/fault-stack';
import { startStoppablePostgres, StoppablePostgres } from './support/stoppable-postgres';
import { seededRandom } from './support/random';
import { sleep, waitFor } from './support/waiting';
import {
  contradictoryAnswers,
  LoadReport,
  randomTransaction,
  runLoad,
  seedWorkload,
  Workload,
} from './support/workload';

// The coordinator's log and the inventory's database each live on their own
// PostgreSQL server, which the tests stop (a fast shutdown: sessions are
// terminated, new connections refused) and start again under load.
jest.setTimeout(180_000);

const CALL_TIMEOUT_MS = 5000;
const INVENTORY_OUTAGE_MS = 30_000;
const LOG_OUTAGE_MS = 8000;
const FINAL_WITHIN_MS = 90_000;

describe('databases that go away', () => {
  const random = seededRandom(20_261_205);
  let logServer: StoppablePostgres;
  let inventoryServer: StoppablePostgres;
  let faults: FaultStack;
  let stack: Stack;

  beforeAll(async () => {
    [logServer, inventoryServer] = await Promise.all([
      startStoppablePostgres('fault-log'),
      startStoppablePostgres('fault-inventory'),
    ]);
    faults = await startFaultStack({
      name: 'fault_db_outage',
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) } },
      servers: { coordinator: logServer.adminUrl, inventory: inventoryServer.adminUrl },
    });
    ({ stack } = faults);
  }, 180_000);

  afterAll(async () => {
    await faults?.stop();
    await Promise.all([logServer?.remove(), inventoryServer?.remove()]);
  });

  function seed(prefix: string): Promise<Workload> {
    return seedWorkload(stack, faults.ledger, prefix, {
      customers: 8,
      balance: 100_000,
      skus: 2,
      stock: 10_000,
    });
  }

  /** Runs rounds of 20 transactions with 4 clients until `more()` says stop, then one more round. */
  async function loadWhile(workload: Workload, more: () => boolean): Promise<LoadReport[]> {
    const reports: LoadReport[] = [];
    let round = 0;
    do {
      reports.push(
        await runLoad({
          coordinatorUrls: () => [stack.apps.coordinator.url],
          apiKey: stack.secrets.apiKey,
          count: 20,
          concurrency: 4,
          random,
          keyPrefix: `${workload.prefix}-r${round}`,
          build: (n) => randomTransaction(random, workload, round * 20 + n, 10_000),
        }),
      );
      round += 1;
    } while (more() || round === 1);
    return reports;
  }

  async function expectAllAnsweredAndKept(reports: LoadReport[]): Promise<void> {
    for (const report of reports) {
      expect(report.unanswered).toBe(0);
      expect(contradictoryAnswers(report)).toEqual([]);
    }
    await faults.expectConsistent(FINAL_WITHIN_MS);
    for (const report of reports) {
      expect(await answerViolations(stack.databases.coordinator, report.told)).toEqual([]);
    }
  }

  it("finishes everything once the inventory's PostgreSQL comes back after 30 s down under load", async () => {
    const workload = await seed('inventory-outage');
    const pids = [stack.apps.inventory.pid, stack.apps.coordinator.pid];
    let down = true;
    const outage = (async () => {
      await sleep(1000);
      await inventoryServer.stopServer();
      await sleep(INVENTORY_OUTAGE_MS);
      await inventoryServer.startServer();
      down = false;
    })();

    const reports = await loadWhile(workload, () => down);
    await outage;
    // Purchases made after the database came back were confirmed again.
    const last = reports[reports.length - 1];
    expect(last.answers['200 CONFIRMED']).toBeGreaterThan(0);

    await expectAllAnsweredAndKept(reports);
    expect([stack.apps.inventory.pid, stack.apps.coordinator.pid]).toEqual(pids);
    expect((await fetch(`${stack.apps.inventory.url}/health`)).status).toBe(200);
  });

  it('answers 503 at once while its log is down, says why in /health/ready, and carries on when it is back', async () => {
    const workload = await seed('log-outage');
    const coordinator = stack.apps.coordinator;
    const pid = coordinator.pid;
    let down = true;
    let seenWhileDown: { begin: Response; beginBody: unknown; readyBody: unknown } | null = null;
    const outage = (async () => {
      await sleep(1000);
      await logServer.stopServer();
      // Sent while the server is down: each must be answered well within a call timeout.
      const limit = AbortSignal.timeout(CALL_TIMEOUT_MS);
      const begin = await fetch(`${coordinator.url}/v1/transactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.secrets.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          branches: transfer(workload.customers[0], workload.customers[1], 1),
        }),
        signal: limit,
      });
      const ready = await waitFor(
        '/health/ready to report the outage',
        async () => {
          const response = await fetch(`${coordinator.url}/health/ready`, { signal: limit });
          return response.status === 503 ? response : undefined;
        },
        CALL_TIMEOUT_MS,
      );
      seenWhileDown = { begin, beginBody: await begin.json(), readyBody: await ready.json() };
      await sleep(LOG_OUTAGE_MS);
      await logServer.startServer();
      down = false;
    })();

    const reports = await loadWhile(workload, () => down);
    await outage;

    const { begin, beginBody, readyBody } = seenWhileDown as unknown as {
      begin: Response;
      beginBody: unknown;
      readyBody: unknown;
    };
    expect(begin.status).toBe(503);
    expect(begin.headers.get('content-type')).toContain('application/problem+json');
    expect(begin.headers.get('retry-after')).toBe('1');
    expect(beginBody).toMatchObject({ status: 503, code: 'LOG_UNAVAILABLE' });
    expect(readyBody).toMatchObject({
      status: 'error',
      database: 'down',
      reason: expect.stringContaining("transaction log's database is unreachable"),
    });
    // Back without a restart: ready again, and the same process answers.
    await waitFor(
      '/health/ready to be 200 again',
      async () =>
        (await fetch(`${coordinator.url}/health/ready`)).status === 200 ? true : undefined,
      30_000,
      200,
    );
    expect(coordinator.pid).toBe(pid);
    const retried = reports.reduce((sum, report) => sum + report.retries, 0);
    expect(retried).toBeGreaterThan(0);
    await expectAllAnsweredAndKept(reports);
  });
});
