import { readFileSync } from 'node:fs';
import {
  answerViolations,
  consistencyViolations,
  emptyLedger,
  waitForAllFinal,
} from '../fault/support/consistency';
import type { FaultKind } from '../fault/support/fault-proxy';
import { ProxiedLinks, proxiedLinks } from '../fault/support/proxied-links';
import { Random, seededRandom } from '../fault/support/random';
import { sqlQuery } from '../fault/support/sql';
import { startStoppablePostgres, StoppablePostgres } from '../fault/support/stoppable-postgres';
import { sleep } from '../fault/support/waiting';
import {
  contradictoryAnswers,
  LoadReport,
  randomTransaction,
  runLoad,
  seedWorkload,
} from '../fault/support/workload';
import type { AppProcess } from '../support/processes';
import { StackLink, startStack, Stack } from '../support/stack';

// Random cross-shard transfers and purchases from 32 clients against two
// coordinators on one log, while a seeded schedule SIGKILLs and restarts a
// coordinator, the inventory or the account participant every few seconds.
// Optional, by flag of `npm run test:chaos`: every link runs through a
// fault-injecting proxy that a second schedule disturbs (lost answers,
// blackholes, dripped answers, half-open connections, latency spikes,
// PostgreSQL links cut for a moment), and a third stops and starts the
// PostgreSQL servers of the log and of the inventory. With a duration
// instead of a size (a soak), the first coordinator is never killed and its
// memory is sampled every minute.
// `npm test` runs 1000 (its share of the CI budget); `npm run test:chaos` defaults to 2000.
const SIZE = Number(process.env.CHAOS_SIZE ?? 1000);
const SEED = Number(process.env.CHAOS_SEED ?? 1);
const MINUTES = Number(process.env.CHAOS_MINUTES ?? 0);
const PROXY_FAULTS = process.env.CHAOS_PROXY_FAULTS === '1';
const DB_RESTARTS = process.env.CHAOS_DB_RESTARTS === '1';
const CONCURRENCY = 32;
// Under 32 clients on a small machine a participant call can take a while; a kill is not a timeout.
const CALL_TIMEOUT_MS = 2000;
const TIMEOUT_MS = 10_000;
// Leases of a killed coordinator (2 × call timeout + 10 s), deadlines, and the capped retry delay.
const FINAL_WITHIN_MS = 120_000;
/** Transactions per round of a soak: each round has its own idempotency keys. */
const SOAK_ROUND = 500;

jest.setTimeout(MINUTES > 0 ? (MINUTES + 10) * 60_000 : 120_000 + SIZE * 100);

interface Disturbance {
  at: number;
  what: string;
}

function countBy(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/**
 * Every `pause()` ms, while `running()`, does one thing the seeded `random`
 * picks (`act` returns what it did) and records it.
 */
async function schedule(
  random: Random,
  pause: () => number,
  running: () => boolean,
  act: () => Promise<string>,
): Promise<Disturbance[]> {
  const started = Date.now();
  const done: Disturbance[] = [];
  for (;;) {
    await sleep(pause());
    if (!running()) return done;
    done.push({ at: Date.now() - started, what: await act() });
  }
}

/** How long a killed process may take to come back: its database may be stopped meanwhile. */
const RESTART_WITHIN_MS = 120_000;

/**
 * SIGKILLs one of `victims`, leaves it down for 0.3–2 s and restarts it;
 * an app whose database is stopped right then cannot start, so it is
 * started again until it is healthy.
 */
function killOne(random: Random, victims: Record<string, AppProcess>): () => Promise<string> {
  const names = Object.keys(victims);
  return async () => {
    const victim = random.pick(names);
    victims[victim].kill('SIGKILL');
    await sleep(random.int(300, 2000));
    const deadline = Date.now() + RESTART_WITHIN_MS;
    for (;;) {
      try {
        await victims[victim].restart();
        return victim;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  };
}

const PARTICIPANT_LINKS: StackLink[] = ['inventory', 'account'];
const DATABASE_LINKS: StackLink[] = ['coordinator-db', 'inventory-db', 'shard-0-db', 'shard-1-db'];
const CALL_FAULTS: FaultKind[] = ['lose-answer', 'blackhole', 'drip', 'half-open'];

/**
 * One network fault: on a participant link, a fault for the next one to
 * three calls of a phase, or a latency spike for a few seconds; on a
 * database link, a latency spike or a cut of up to two seconds.
 */
function disturbLink(random: Random, links: ProxiedLinks): () => Promise<string> {
  return async () => {
    if (random.chance(0.6)) {
      const link = random.pick(PARTICIPANT_LINKS);
      const proxy = links.proxy(link);
      if (random.chance(0.8)) {
        const kind = random.pick(CALL_FAULTS);
        const phase = random.pick(['try', 'confirm', 'cancel']);
        proxy.add({ kind, match: phase, times: random.int(1, 3), dripMs: 500 });
        return `${link} ${kind} ${phase}`;
      }
      proxy.setLatency({ ms: random.int(20, 200), jitterMs: random.int(10, 200) });
      await sleep(random.int(1000, 4000));
      proxy.setLatency(null);
      return `${link} latency`;
    }
    const link = random.pick(DATABASE_LINKS);
    const proxy = links.proxy(link);
    if (random.chance(0.5)) {
      proxy.setLatency({ ms: random.int(5, 50), jitterMs: random.int(5, 50) });
      await sleep(random.int(1000, 4000));
      proxy.setLatency(null);
      return `${link} latency`;
    }
    proxy.cut();
    await sleep(random.int(200, 2000));
    proxy.heal();
    return `${link} cut`;
  };
}

/** Stops one of the PostgreSQL servers for 2–8 s and starts it again. */
function restartOne(
  random: Random,
  servers: Record<string, StoppablePostgres>,
): () => Promise<string> {
  const names = Object.keys(servers);
  return async () => {
    const name = random.pick(names);
    await servers[name].stopServer();
    await sleep(random.int(2000, 8000));
    await servers[name].startServer();
    return `${name} database`;
  };
}

/** Resident set size of `pid` in MiB, from /proc (Linux). */
function rssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function mergeReports(reports: LoadReport[]): LoadReport {
  const merged: LoadReport = {
    answers: {},
    retries: 0,
    unanswered: 0,
    answeredBy: new Map(),
    told: new Map(),
  };
  for (const report of reports) {
    for (const [key, count] of Object.entries(report.answers)) {
      merged.answers[key] = (merged.answers[key] ?? 0) + count;
    }
    merged.retries += report.retries;
    merged.unanswered += report.unanswered;
    for (const [id, url] of report.answeredBy) merged.answeredBy.set(id, url);
    for (const [id, status] of report.told) merged.told.set(id, status);
  }
  return merged;
}

const flags = [PROXY_FAULTS && 'proxy faults', DB_RESTARTS && 'database restarts'].filter(Boolean);
const extent = MINUTES > 0 ? `${MINUTES} minutes` : `${SIZE} transactions`;

describe(`chaos: ${extent}, seed ${SEED}${flags.length ? `, with ${flags.join(' and ')}` : ''}`, () => {
  let stack: Stack;
  let links: ProxiedLinks | undefined;
  const servers: Record<string, StoppablePostgres> = {};

  beforeAll(async () => {
    if (PROXY_FAULTS) links = proxiedLinks(seededRandom(SEED + 2));
    if (DB_RESTARTS) {
      [servers.log, servers.inventory] = await Promise.all([
        startStoppablePostgres('chaos-log'),
        startStoppablePostgres('chaos-inventory'),
      ]);
    }
    stack = await startStack({
      name: 'chaos',
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) } },
      route: links?.route,
      servers: DB_RESTARTS
        ? { coordinator: servers.log.adminUrl, inventory: servers.inventory.adminUrl }
        : undefined,
    });
    await stack.addCoordinator();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await links?.close();
    await Promise.all(Object.values(servers).map((server) => server.remove()));
  });

  it('ends every transaction all-or-nothing while processes, links and databases fail', async () => {
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
    const soakUntil = started + MINUTES * 60_000;
    let loading = true;
    const running = () => loading;

    const victims: Record<string, AppProcess> = {
      'coordinator-1': second,
      inventory: stack.apps.inventory,
      account: stack.apps.account,
    };
    // A soak keeps the first coordinator alive throughout, so its memory tells whether it leaks.
    if (MINUTES === 0) victims['coordinator-0'] = first;
    const killRandom = seededRandom(SEED + 1);
    const schedules = [
      schedule(killRandom, () => killRandom.int(2000, 4000), running, killOne(killRandom, victims)),
    ];
    if (links) {
      const linkRandom = seededRandom(SEED + 3);
      schedules.push(
        schedule(
          linkRandom,
          () => linkRandom.int(500, 2000),
          running,
          disturbLink(linkRandom, links),
        ),
      );
    }
    if (DB_RESTARTS) {
      const dbRandom = seededRandom(SEED + 4);
      schedules.push(
        schedule(
          dbRandom,
          () => dbRandom.int(15_000, 30_000),
          running,
          restartOne(dbRandom, servers),
        ),
      );
    }
    const memory: number[] = [];
    const sampler = setInterval(() => {
      const rss = rssMiB(first.pid);
      if (rss !== null) memory.push(rss);
    }, 60_000);

    const reports: LoadReport[] = [];
    let round = 0;
    do {
      reports.push(
        await runLoad({
          coordinatorUrls: () => [first.url, second.url],
          apiKey: stack.secrets.apiKey,
          count: MINUTES > 0 ? SOAK_ROUND : SIZE,
          concurrency: CONCURRENCY,
          random,
          keyPrefix: `${workload.prefix}-r${round}`,
          // Order ids are numbered across rounds, so no two transactions share one.
          build: (n) => randomTransaction(random, workload, round * SOAK_ROUND + n, TIMEOUT_MS),
        }),
      );
      round += 1;
    } while (Date.now() < soakUntil);
    loading = false;
    const disturbances = (await Promise.all(schedules)).flat();
    clearInterval(sampler);
    const loadMs = Date.now() - started;
    const report = mergeReports(reports);
    const count = MINUTES > 0 ? round * SOAK_ROUND : SIZE;

    await waitForAllFinal(stack.databases.coordinator, FINAL_WITHIN_MS);
    const violations = await consistencyViolations({ databases: stack.databases }, ledger);
    const misanswered = await answerViolations(stack.databases.coordinator, report.told);
    const [log] = await sqlQuery<{ total: string; keys: string; confirmed: string }>(
      stack.databases.coordinator,
      `SELECT count(*) AS total, count(DISTINCT idempotency_key) AS keys,
         count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed
       FROM transactions`,
    );
    const kinds = countBy(
      disturbances.map((disturbance) => disturbance.what.replace(/ (try|confirm|cancel)$/, '')),
    );
    process.stdout.write(
      `\nchaos ${extent} seed ${SEED}${flags.length ? ` with ${flags.join(' and ')}` : ''}: ` +
        `${Number(log.total)} logged, ${Number(log.confirmed)} confirmed; ` +
        `load ${Math.round(loadMs / 1000)} s, all final ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${disturbances.length} faults ${JSON.stringify(kinds)}; ` +
        (links ? `proxy ${JSON.stringify(links.stats())}; ` : '') +
        (memory.length ? `coordinator-0 RSS per minute (MiB) ${memory.join(' ')}; ` : '') +
        `${report.retries} client retries; answers ${JSON.stringify(report.answers)}\n`,
    );

    expect(disturbances.length).toBeGreaterThan(0);
    expect(report.unanswered).toBe(0);
    expect(contradictoryAnswers(report)).toEqual([]);
    // One transaction per idempotency key however often a client had to send it again.
    expect(Number(log.total)).toBe(count);
    expect(Number(log.keys)).toBe(count);
    expect(Number(log.confirmed)).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(misanswered).toEqual([]);
  });
});
