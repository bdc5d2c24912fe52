import { PHASES, Phase, TransactionView } from '@app/protocol';
import { Busi, pay } from '../participants/busi-process';
import { transfer } from '../support/branches';
import type { Stack } from '../support/stack';
import type { FaultRule } from './support/fault-proxy';
import { FaultStack, startFaultStack } from './support/fault-stack';
import { ProxiedLinks, proxiedLinks } from './support/proxied-links';
import { seededRandom } from './support/random';
import { sqlQuery } from './support/sql';
import { contradictoryAnswers, randomTransaction, runLoad, seedWorkload } from './support/workload';

// Every link of the stack runs through a fault-injecting TCP proxy: the
// coordinator's calls to each participant (each registers the proxy's
// address as its public URL) and each app's connections to PostgreSQL.
// A fault fires on the next request that contains a phase's path, so each
// scenario hits exactly the call it names.
jest.setTimeout(120_000);

const CALL_TIMEOUT_MS = 1500;
// One byte a second: an answer of a few hundred bytes would take minutes,
// longer than the test client waits, so an answer at all shows the call timeout ended the read.
const DRIP_MS = 1000;

describe('network faults between the coordinator, the participants and PostgreSQL', () => {
  const random = seededRandom(20_261_204);
  let links: ProxiedLinks;
  let faults: FaultStack;
  let stack: Stack;
  let busi: Busi;

  beforeAll(async () => {
    links = proxiedLinks(random);
    faults = await startFaultStack({
      name: 'fault_network',
      env: { coordinator: { TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) } },
      route: links.route,
    });
    ({ stack, busi } = faults);
  }, 120_000);

  afterEach(() => {
    links.proxy('busi').clear();
    links.setLatency(null);
  });

  afterAll(async () => {
    await faults?.stop();
    await links?.close();
  });

  /** Starts a pay-and-transfer of 10 with `rule` on the test participant's link; waits until it is final. */
  async function runWith(name: string, phase: Phase, rule: Omit<FaultRule, 'match'>) {
    const wallet = await faults.openWallet(name, 1000);
    const [from, to] = await faults.accountPair(name);
    links.proxy('busi').add({ ...rule, match: `/tcc/pay/${phase}` });
    const response = await stack.api.beginTransaction({
      branches: [pay(wallet, 10), ...transfer(from, to, 10)],
    });
    if (!response.ok) throw new Error(`begin answered ${response.status}: ${response.body.detail}`);
    const final = await stack.waitForFinal(response.body.id);
    return { wallet, answered: response.body, final };
  }

  async function phaseStatuses(transactionId: string): Promise<Record<Phase, (number | null)[]>> {
    const calls = await busi.calls(transactionId);
    const byPhase = Object.fromEntries(PHASES.map((phase) => [phase, [] as (number | null)[]]));
    for (const call of calls) byPhase[call.phase].push(call.status);
    return byPhase as Record<Phase, (number | null)[]>;
  }

  async function holdState(view: TransactionView): Promise<string | undefined> {
    const [hold] = await sqlQuery<{ state: string }>(
      busi.databaseUrl,
      `SELECT state FROM wallet_holds WHERE branch_id = $1`,
      [view.branches[0].id],
    );
    return hold?.state;
  }

  /** The try ran at the participant and its hold was made, then cancelled: compensated, not merely decided. */
  async function expectCompensated(wallet: string, view: TransactionView): Promise<void> {
    expect(view).toMatchObject({ status: 'CANCELLED', reasonCode: 'TRY_OUTCOME_UNKNOWN' });
    expect(await phaseStatuses(view.id)).toMatchObject({ try: [200], cancel: [200] });
    expect(await holdState(view)).toBe('CANCELLED');
    expect(await busi.wallet(wallet)).toMatchObject({ available: 1000, held: 0, used: 0 });
    await faults.expectConsistent();
  }

  /** The confirm was sent again until an answer came back, and applied once. */
  async function expectConfirmedOnce(wallet: string, view: TransactionView): Promise<void> {
    expect(view.status).toBe('CONFIRMED');
    const confirms = (await phaseStatuses(view.id)).confirm;
    expect(confirms.length).toBeGreaterThan(1);
    expect(confirms.every((status) => status === 200)).toBe(true);
    expect(await holdState(view)).toBe('CONFIRMED');
    expect(await busi.wallet(wallet)).toMatchObject({ available: 990, held: 0, used: 10 });
    await faults.expectConsistent();
  }

  it('cancels and compensates a try whose answer is lost after the participant committed it', async () => {
    const { wallet, final } = await runWith('lost-try', 'try', { kind: 'lose-answer', times: 1 });
    await expectCompensated(wallet, final);
  });

  it('sends a confirm whose answer is lost again until its outcome is known', async () => {
    const { wallet, final } = await runWith('lost-confirm', 'confirm', {
      kind: 'lose-answer',
      times: 2,
    });
    await expectConfirmedOnce(wallet, final);
  });

  it('cancels a try sent into a blackhole: the call times out, the cancel finds no try', async () => {
    const { wallet, final } = await runWith('blackhole-try', 'try', {
      kind: 'blackhole',
      times: 1,
    });
    expect(final).toMatchObject({ status: 'CANCELLED', reasonCode: 'TRY_OUTCOME_UNKNOWN' });
    expect(final.reason).toContain(`no answer within ${CALL_TIMEOUT_MS} ms`);
    // The try never arrived: an empty cancel, nothing held.
    expect(await phaseStatuses(final.id)).toMatchObject({ try: [], cancel: [200] });
    expect(await holdState(final)).toBeUndefined();
    expect(await busi.wallet(wallet)).toMatchObject({ available: 1000, held: 0 });
    await faults.expectConsistent();
  });

  it('ends the read of a drip-fed try answer at the call timeout, then cancels and compensates', async () => {
    const { wallet, final } = await runWith('drip-try', 'try', {
      kind: 'drip',
      dripMs: DRIP_MS,
      times: 1,
    });
    expect(final).toMatchObject({
      reason: expect.stringContaining(`no answer within ${CALL_TIMEOUT_MS} ms`),
    });
    await expectCompensated(wallet, final);
  });

  it('retries a confirm whose answer drips in slower than the call timeout', async () => {
    const { wallet, final } = await runWith('drip-confirm', 'confirm', {
      kind: 'drip',
      dripMs: DRIP_MS,
      times: 1,
    });
    await expectConfirmedOnce(wallet, final);
  });

  it('cancels and compensates a try whose connection goes half-open after the request', async () => {
    const { wallet, final } = await runWith('half-open-try', 'try', {
      kind: 'half-open',
      times: 1,
    });
    expect(final).toMatchObject({
      reason: expect.stringContaining(`no answer within ${CALL_TIMEOUT_MS} ms`),
    });
    await expectCompensated(wallet, final);
  });

  it('retries a confirm whose connection goes half-open until it is known', async () => {
    const { wallet, final } = await runWith('half-open-confirm', 'confirm', {
      kind: 'half-open',
      times: 2,
    });
    await expectConfirmedOnce(wallet, final);
  });

  it('keeps every invariant under latency and jitter on every link, a few answers lost on each', async () => {
    const workload = await seedWorkload(stack, faults.ledger, 'jitter', {
      customers: 8,
      balance: 100_000,
      skus: 2,
      stock: 10_000,
    });
    links.setLatency({ ms: 2, jitterMs: 8 }, (link) => link.endsWith('-db'));
    links.setLatency({ ms: 10, jitterMs: 40 }, (link) => !link.endsWith('-db'));
    for (const link of ['inventory', 'account'] as const) {
      for (const phase of PHASES) {
        links.proxy(link).add({ kind: 'lose-answer', match: phase, times: 2 });
      }
    }
    const before = links.stats()['lose-answer'] ?? 0;

    const report = await runLoad({
      coordinatorUrls: () => [stack.apps.coordinator.url],
      apiKey: stack.secrets.apiKey,
      count: 60,
      concurrency: 8,
      random,
      keyPrefix: 'jitter',
      build: (n) => randomTransaction(random, workload, n, 10_000),
    });
    links.setLatency(null);
    for (const link of ['inventory', 'account'] as const) links.proxy(link).clear();

    expect(report.unanswered).toBe(0);
    expect(contradictoryAnswers(report)).toEqual([]);
    expect((links.stats()['lose-answer'] ?? 0) - before).toBeGreaterThan(0);
    await faults.expectConsistent(90_000);
  });
});
