import { consistencyViolations, emptyLedger, waitForAllFinal } from '../fault/support/consistency';
import { seededRandom } from '../fault/support/random';
import { sqlQuery } from '../fault/support/sql';
import { sleep } from '../fault/support/waiting';
import {
  contradictoryAnswers,
  randomTransaction,
  runLoad,
  seedWorkload,
} from '../fault/support/workload';
import type { AppProcess } from '../support/processes';
import { startStack, Stack } from '../support/stack';

// Random cross-shard transfers and purchases from 32 clients against two
// coordinators on one log, while a seeded schedule SIGKILLs and restarts a
// coordinator, the inventory or the account participant every few seconds.
// `npm run test:chaos -- --size N --seed S` sets CHAOS_SIZE and CHAOS_SEED.
const SIZE = Number(process.env.CHAOS_SIZE ?? 2000);
const SEED = Number(process.env.CHAOS_SEED ?? 1);
const CONCURRENCY = 32;
// Under 32 clients on a small machine a participant call can take a while; a kill is not a timeout.
const CALL_TIMEOUT_MS = 2000;
const TIMEOUT_MS = 10_000;
// Leases of a killed coordinator (2 × call timeout + 10 s), deadlines, and the capped retry delay.
const FINAL_WITHIN_MS = 120_000;

jest.setTimeout(120_000 + SIZE * 100);

interface Kill {
  at: number;
  victim: string;
  downMs: number;
}

function countBy(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/**
 * SIGKILLs one process at a time, chosen by the seeded schedule, leaves it
 * down for a moment and restarts it, until `running()` says to stop.
 */
async function chaosSchedule(
  seed: number,
  victims: Record<string, AppProcess>,
  running: () => boolean,
): Promise<Kill[]> {
  const random = seededRandom(seed);
  const names = Object.keys(victims);
  const started = Date.now();
  const kills: Kill[] = [];
  for (;;) {
    const pause = random.int(2000, 4000);
    const victim = random.pick(names);
    const downMs = random.int(300, 2000);
    await sleep(pause);
    if (!running()) return kills;
    kills.push({ at: Date.now() - started, victim, downMs });
    victims[victim].kill('SIGKILL');
    await sleep(downMs);
    await victims[victim].restart();
  }
}

describe(`chaos: ${SIZE} transactions, seed ${SEED}`, () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      name: 'chaos',
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) } },
    });
    await stack.addCoordinator();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('ends every transaction all-or-nothing while processes are killed and restarted', async () => {
    const ledger = emptyLedger();
    const workload = await seedWorkload(stack, ledger, `chaos-${SEED}`, {
      customers: 40,
      balance: 1_000_000,
      skus: 5,
      stock: 1_000_000,
    });
    const random = seededRandom(SEED);
    const [first, second] = stack.coordinators;
    const started = Date.now();
    let loading = true;

    const schedule = chaosSchedule(
      SEED + 1,
      {
        'coordinator-0': first,
        'coordinator-1': second,
        inventory: stack.apps.inventory,
        account: stack.apps.account,
      },
      () => loading,
    );
    const report = await runLoad({
      coordinatorUrls: () => [first.url, second.url],
      apiKey: stack.secrets.apiKey,
      count: SIZE,
      concurrency: CONCURRENCY,
      random,
      keyPrefix: workload.prefix,
      build: (n) => randomTransaction(random, workload, n, TIMEOUT_MS),
    });
    loading = false;
    const kills = await schedule;
    const loadMs = Date.now() - started;

    await waitForAllFinal(stack.databases.coordinator, FINAL_WITHIN_MS);
    const violations = await consistencyViolations({ databases: stack.databases }, ledger);
    const [log] = await sqlQuery<{ total: string; keys: string; confirmed: string }>(
      stack.databases.coordinator,
      `SELECT count(*) AS total, count(DISTINCT idempotency_key) AS keys,
         count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed
       FROM transactions`,
    );
    process.stdout.write(
      `\nchaos size ${SIZE} seed ${SEED}: ${Number(log.total)} logged, ${Number(log.confirmed)} confirmed; ` +
        `load ${Math.round(loadMs / 1000)} s, all final ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${kills.length} kills ${JSON.stringify(countBy(kills.map((kill) => kill.victim)))}; ` +
        `${report.retries} client retries; answers ${JSON.stringify(report.answers)}\n`,
    );

    expect(kills.length).toBeGreaterThan(0);
    expect(report.unanswered).toBe(0);
    expect(contradictoryAnswers(report)).toEqual([]);
    // One transaction per idempotency key however often a client had to send it again.
    expect(Number(log.total)).toBe(SIZE);
    expect(Number(log.keys)).toBe(SIZE);
    expect(Number(log.confirmed)).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});
