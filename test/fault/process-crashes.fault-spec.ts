import { CoordinatorClient } from '@app/coordinator-client';
import { TransactionView } from '@app/protocol';
import { Busi, pay } from '../participants/busi-process';
import { transfer } from '../support/branches';
import type { AppProcess } from '../support/processes';
import type { Stack } from '../support/stack';
import { answerViolations } from './support/consistency';
import { FaultStack, startFaultStack } from './support/fault-stack';
import { seededRandom } from './support/random';
import { sqlQuery } from './support/sql';
import { sleep, waitFor } from './support/waiting';
import {
  contradictoryAnswers,
  LoadReport,
  randomTransaction,
  runLoad,
  seedWorkload,
  Workload,
} from './support/workload';

// Real processes killed with SIGKILL (and stopped with SIGTERM) under load.
// A coordinator's lease is 2 × TCC_CALL_TIMEOUT_MS + 10 s, so transactions a
// killed coordinator held are finished by another after about 14 s. The call
// timeout is short, but long enough that a loaded machine does not turn the
// calls a scenario needs into timeouts.
jest.setTimeout(120_000);

const CALL_TIMEOUT_MS = 2000;
const FINAL_WITHIN_MS = 90_000;
const TIMEOUT_MS = 10_000;

describe('process crashes', () => {
  let faults: FaultStack;
  let stack: Stack;
  let busi: Busi;
  const random = seededRandom(20_251_126);

  beforeAll(async () => {
    faults = await startFaultStack({
      name: 'fault_crashes',
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) } },
    });
    ({ stack, busi } = faults);
  }, 120_000);

  afterAll(async () => {
    await faults?.stop();
  });

  function seed(prefix: string): Promise<Workload> {
    return seedWorkload(stack, faults.ledger, prefix, {
      customers: 8,
      balance: 100_000,
      skus: 2,
      stock: 10_000,
    });
  }

  function load(
    workload: Workload,
    count: number,
    coordinators: () => AppProcess[],
    onAnswer?: (answered: number) => void,
  ): Promise<LoadReport> {
    return runLoad({
      coordinatorUrls: () => coordinators().map((coordinator) => coordinator.url),
      apiKey: stack.secrets.apiKey,
      count,
      concurrency: 8,
      random,
      keyPrefix: workload.prefix,
      build: (n) => randomTransaction(random, workload, n, TIMEOUT_MS),
      onAnswer,
    });
  }

  function client(coordinator: AppProcess): CoordinatorClient {
    return new CoordinatorClient({
      baseUrl: coordinator.url,
      apiKey: stack.secrets.apiKey,
      timeoutMs: 60_000,
    });
  }

  async function transaction(id: string): Promise<TransactionView> {
    const response = await stack.api.getTransaction(id);
    if (!response.ok) throw new Error(`GET ${id} answered ${response.status}`);
    return response.body;
  }

  /** Calls the test participant holds open right now (a hanging phase), of one phase. */
  async function inFlight(phase: 'try' | 'confirm') {
    return (await busi.calls()).filter((call) => call.phase === phase && call.status === null);
  }

  /** Every client got an answer below 500 for every transaction, in the end, and none contradicts itself. */
  function expectAllAnswered(report: LoadReport, count: number): void {
    expect(report.unanswered).toBe(0);
    expect(Object.values(report.answers).reduce((sum, n) => sum + n, 0)).toBe(count);
    expect(contradictoryAnswers(report)).toEqual([]);
  }

  it('finishes every transaction when participants are SIGKILLed with confirms in flight and restarted 2 s later', async () => {
    const workload = await seed('participant-kill');
    const wallet = await faults.openWallet('participant-kill', 1_000_000);
    const [from, to] = [workload.customers[0], workload.customers[1]];
    // Confirms of the test participant hang, so they are surely in flight when it dies.
    await busi.control('confirm', { mode: 'hang', hangMs: 60_000 });
    const hanging = Array.from({ length: 4 }, () =>
      stack.api.beginTransaction({ branches: [pay(wallet, 10), ...transfer(from, to, 10)] }),
    );
    const running = load(workload, 120, () => [stack.apps.coordinator]);
    await waitFor(
      'four confirms hanging at the test participant',
      async () => ((await inFlight('confirm')).length >= 4 ? true : undefined),
      30_000,
      20,
    );

    busi.process.kill('SIGKILL');
    stack.apps.account.kill('SIGKILL');
    await sleep(2000);
    // The restarted participant has no faults planned: the resent confirms go through.
    await Promise.all([busi.process.restart(), stack.apps.account.restart()]);

    const started = await Promise.all(hanging);
    const report = await running;
    expectAllAnswered(report, 120);
    for (const response of started) {
      expect(response.ok).toBe(true);
      if (!response.ok) continue;
      expect((await stack.waitForFinal(response.body.id)).status).toBe('CONFIRMED');
    }
    await faults.expectConsistent(FINAL_WITHIN_MS);
  });

  it('finishes what a SIGKILLed coordinator was trying or had decided, once it is restarted', async () => {
    const workload = await seed('coordinator-kill');
    const wallet = await faults.openWallet('coordinator-kill', 1_000_000);
    const [from, to] = [workload.customers[0], workload.customers[1]];
    const coordinator = stack.apps.coordinator;
    // One transaction is caught with a try outstanding, the other between its decision and phase 2.
    const hangOnce = { mode: 'hang' as const, hangMs: 3 * CALL_TIMEOUT_MS, times: 1 };
    const caught = [
      client(coordinator)
        .beginTransaction({
          timeoutMs: CALL_TIMEOUT_MS,
          branches: [pay(wallet, 10, { try: hangOnce }), ...transfer(from, to, 10)],
        })
        .catch(() => null),
      // A deadline far off: recovery must take over once the dead coordinator's lease ends.
      client(coordinator)
        .beginTransaction({
          timeoutMs: 600_000,
          branches: [pay(wallet, 20, { confirm: hangOnce }), ...transfer(from, to, 20)],
        })
        .catch(() => null),
    ];
    const running = load(workload, 80, () => [coordinator]);
    const [tryCall, confirmCall] = await waitFor(
      'a try and a confirm hanging at the test participant',
      async () => {
        const [tries, confirms] = await Promise.all([inFlight('try'), inFlight('confirm')]);
        return tries[0] && confirms[0] ? [tries[0], confirms[0]] : undefined;
      },
      30_000,
      20,
    );

    coordinator.kill('SIGKILL');
    await coordinator.restart();

    expect(await Promise.all(caught)).toEqual([null, null]);
    expectAllAnswered(await running, 80);
    await faults.expectConsistent(FINAL_WITHIN_MS);
    // Recovery, not the killed request, cancelled it: its deadline passed undecided.
    expect(await transaction(tryCall.transactionId)).toMatchObject({
      status: 'CANCELLED',
      reasonCode: 'DEADLINE_PASSED',
    });
    // The confirm decision was logged before the kill, so it was carried out.
    expect((await transaction(confirmCall.transactionId)).status).toBe('CONFIRMED');
  });

  it('lets the surviving coordinator finish everything when one of two is SIGKILLed under load', async () => {
    const workload = await seed('two-coordinators');
    const survivor = stack.apps.coordinator;
    const victim = await stack.addCoordinator();
    let killed = false;
    const alive = () => (killed ? [survivor] : [survivor, victim]);

    const report = await load(workload, 200, alive, (answered) => {
      if (answered === 60 && !killed) {
        killed = true;
        victim.kill('SIGKILL');
      }
    });

    expectAllAnswered(report, 200);
    // Everything the survivor answered is final now or finished by it; the victim's after its leases expire.
    const survivors = [...report.answeredBy].filter(([, url]) => url === survivor.url);
    expect(survivors.length).toBeGreaterThan(0);
    await faults.expectConsistent(FINAL_WITHIN_MS);
    await victim.restart();
  });

  it('lets a coordinator paused past its leases wake up with a stale view and change nothing', async () => {
    const workload = await seed('paused');
    const wallet = await faults.openWallet('paused', 1_000_000);
    const [from, to] = [workload.customers[0], workload.customers[1]];
    const survivor = stack.apps.coordinator;
    const sleeper = await stack.addCoordinator();
    // Held at the participant longer than a lease: the sleeper is paused in the middle of each call.
    const hangOnce = { mode: 'hang' as const, hangMs: 20_000, times: 1 };
    const caught = [
      client(sleeper).beginTransaction({
        timeoutMs: CALL_TIMEOUT_MS,
        branches: [pay(wallet, 10, { try: hangOnce }), ...transfer(from, to, 10)],
      }),
      client(sleeper).beginTransaction({
        timeoutMs: 600_000,
        branches: [pay(wallet, 20, { confirm: hangOnce }), ...transfer(from, to, 20)],
      }),
    ];
    let paused = false;
    const running = load(workload, 120, () => (paused ? [survivor] : [survivor, sleeper]));
    const [tryCall, confirmCall] = await waitFor(
      'a try and a confirm hanging at the test participant',
      async () => {
        const [tries, confirms] = await Promise.all([inFlight('try'), inFlight('confirm')]);
        return tries[0] && confirms[0] ? [tries[0], confirms[0]] : undefined;
      },
      30_000,
      20,
    );
    // Paused with both calls in flight and their leases held, and load requests of its own.
    paused = true;
    const pid = sleeper.pid;
    sleeper.kill('SIGSTOP');

    // The survivor takes both over once the sleeper's leases expire: it cancels the one past its
    // deadline and confirms the decided one, while the sleeper still waits on its calls.
    const [cancelled, confirmed] = await Promise.all([
      stack.waitForFinal(tryCall.transactionId),
      stack.waitForFinal(confirmCall.transactionId),
    ]);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', reasonCode: 'DEADLINE_PASSED' });
    expect(confirmed.status).toBe('CONFIRMED');
    sleeper.kill('SIGCONT');

    // Woken, it finishes its calls and requests with what it believed before the pause.
    const answers = await Promise.all(caught);
    const report = await running;
    await waitFor(
      'the woken coordinator to answer /health',
      async () => ((await fetch(`${sleeper.url}/health`)).status === 200 ? true : undefined),
      30_000,
    );
    await sleep(3000);
    expectAllAnswered(report, 120);
    for (const answer of answers) {
      if (!answer.ok) continue;
      expect(
        await answerViolations(
          stack.databases.coordinator,
          new Map([[answer.body.id, answer.body.status]]),
        ),
      ).toEqual([]);
    }
    expect(await answerViolations(stack.databases.coordinator, report.told)).toEqual([]);
    expect(await transaction(tryCall.transactionId)).toMatchObject({ status: 'CANCELLED' });
    expect(await transaction(confirmCall.transactionId)).toMatchObject({ status: 'CONFIRMED' });
    // The confirm the sleeper sent before its pause and the survivor's resend were applied once.
    expect(await busi.wallet(wallet)).toMatchObject({ held: 0, used: 20 });
    await faults.expectConsistent(FINAL_WITHIN_MS);
    expect(sleeper.pid).toBe(pid);
  });

  /** Terminates every connection to the databases at `urls` every 300 ms until `stop()`; returns how many. */
  async function terminateConnections(urls: string[], stop: () => boolean): Promise<number> {
    const names = urls.map((url) => decodeURIComponent(new URL(url).pathname.slice(1)));
    const maintenance = new URL(urls[0]);
    maintenance.pathname = '/postgres';
    let terminated = 0;
    while (!stop()) {
      await sleep(300);
      const rows = await sqlQuery<{ killed: boolean }>(
        maintenance.toString(),
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
         WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
        [names],
      );
      terminated += rows.filter((row) => row.killed).length;
    }
    return terminated;
  }

  it('reconnects and loses nothing when its PostgreSQL connections are terminated again and again', async () => {
    const workload = await seed('pg-terminate');
    let loading = true;
    const killer = terminateConnections([stack.databases.coordinator], () => !loading);
    const pids = stack.coordinators.map((coordinator) => coordinator.pid);

    const report = await load(workload, 150, () => stack.coordinators);
    loading = false;

    expect(await killer).toBeGreaterThan(0);
    expectAllAnswered(report, 150);
    await faults.expectConsistent(FINAL_WITHIN_MS);
    // Nobody died: the same processes answer their health checks.
    expect(stack.coordinators.map((coordinator) => coordinator.pid)).toEqual(pids);
    for (const coordinator of stack.coordinators) {
      expect((await fetch(`${coordinator.url}/health`)).status).toBe(200);
    }
  });

  it("keeps every hold consistent when the participants' PostgreSQL connections are terminated under load", async () => {
    const workload = await seed('pg-terminate-participants');
    const participants = [stack.apps.inventory, stack.apps.account, busi.process];
    let loading = true;
    const killer = terminateConnections(
      [stack.databases.inventory, ...stack.databases.shards, busi.databaseUrl],
      () => !loading,
    );
    const pids = participants.map((participant) => participant.pid);

    const report = await load(workload, 150, () => stack.coordinators);
    loading = false;

    expect(await killer).toBeGreaterThan(0);
    expectAllAnswered(report, 150);
    await faults.expectConsistent(FINAL_WITHIN_MS);
    expect(participants.map((participant) => participant.pid)).toEqual(pids);
  });

  it('answers requests in flight on SIGTERM and hands every lease it held to the other coordinator', async () => {
    const wallet = await faults.openWallet('graceful', 1_000_000);
    const [from, to] = await faults.accountPair('graceful');
    const survivor = stack.apps.coordinator;
    const leaving = stack.coordinators[1] ?? (await stack.addCoordinator());
    // A decided transaction whose confirm fails for now: it stays CONFIRMING.
    await busi.control('confirm', { mode: 'fail500' });
    const interrupted = await client(leaving).beginTransaction({ branches: [pay(wallet, 5)] });
    expect(interrupted.ok && interrupted.body.status).toBe('CONFIRMING');
    const interruptedId = interrupted.ok ? interrupted.body.id : '';
    // Slow tries (still within the call timeout) keep requests in flight when the signal comes.
    await busi.control('try', { mode: 'hang', hangMs: CALL_TIMEOUT_MS / 2 });
    const requests = Array.from({ length: 12 }, () =>
      client(leaving).beginTransaction({ branches: [pay(wallet, 10), ...transfer(from, to, 1)] }),
    );
    await waitFor(
      'twelve tries in flight',
      async () => ((await inFlight('try')).length >= 12 ? true : undefined),
      30_000,
      20,
    );
    const pid = leaving.pid;
    const [{ owner }] = await sqlQuery<{ owner: string }>(
      stack.databases.coordinator,
      `SELECT lease_owner AS owner FROM transactions WHERE lease_owner LIKE '%:' || $1 || ':%' LIMIT 1`,
      [String(pid)],
    );
    // As if the leaving coordinator were in the middle of phase 2 for it, not due again for an hour.
    const stranded = await sqlQuery(
      stack.databases.coordinator,
      `UPDATE transactions SET lease_owner = $2, lease_until = now() + interval '1 hour',
         next_attempt_at = now() + interval '1 hour'
       WHERE id = $1 AND status = 'CONFIRMING' RETURNING id`,
      [interruptedId, owner],
    );
    expect(stranded).toHaveLength(1);

    await leaving.stop();

    // Each got its outcome (200) or its logged decision (202); none saw a dropped connection.
    const answers = await Promise.all(requests);
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 202)).toEqual([]);
    const [{ held }] = await sqlQuery<{ held: string }>(
      stack.databases.coordinator,
      `SELECT count(*) AS held FROM transactions
       WHERE lease_owner = $1 AND lease_until > now()`,
      [owner],
    );
    expect(Number(held)).toBe(0);
    // The survivor takes the interrupted transaction over now, not in an hour.
    await busi.control('try', { mode: 'ok' });
    await busi.control('confirm', { mode: 'ok' });
    expect((await stack.waitForFinal(interruptedId)).status).toBe('CONFIRMED');
    await faults.expectConsistent(FINAL_WITHIN_MS);
    await leaving.restart();
    expect((await fetch(`${survivor.url}/health`)).status).toBe(200);
  });
});
