import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PHASES, Phase, TransactionView } from '@app/protocol';
import { ROOT } from '../../scripts/lib/build';
import { Busi, pay } from '../participants/busi-process';
import { credit, debit, reserve, transfer } from '../support/branches';
import type { Stack } from '../support/stack';
import { FaultStack, startFaultStack } from './support/fault-stack';
import { callPhase, PhaseAnswer } from './support/phase-calls';
import { sqlQuery } from './support/sql';
import { sleep, waitFor } from './support/waiting';
import { startWebhookReceiver, WebhookReceiver } from './support/webhook';

// One stack for every scenario: a participant told to refuse, fail or hang,
// phase-2 failures marked stuck after 3 attempts, alerts to a local webhook.
jest.setTimeout(90_000);

const CALL_TIMEOUT_MS = 1000;
const RETRY_MAX_MS = 1000;

interface CliResult {
  code: number;
  stdout: string;
}

describe('participant faults', () => {
  let webhook: WebhookReceiver;
  let faults: FaultStack;
  let stack: Stack;
  let busi: Busi;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    faults = await startFaultStack({
      name: 'fault_participants',
      env: {
        coordinator: {
          TCC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
          TCC_RETRY_MAX_MS: String(RETRY_MAX_MS),
          TCC_STUCK_AFTER_ATTEMPTS: '3',
          TCC_ALERT_WEBHOOK_URL: webhook.url,
        },
      },
    });
    ({ stack, busi } = faults);
  }, 120_000);

  afterEach(async () => {
    for (const phase of PHASES) await busi?.control(phase, { mode: 'ok' });
  });

  afterAll(async () => {
    await faults?.stop();
    await webhook?.close();
  });

  const expectConsistent = () => faults.expectConsistent();
  const openWallet = (id: string, available: number) => faults.openWallet(id, available);
  const accountPair = (prefix: string) => faults.accountPair(prefix);

  async function begin(request: Parameters<Stack['api']['beginTransaction']>[0]) {
    const response = await stack.api.beginTransaction(request);
    if (!response.ok) throw new Error(`begin answered ${response.status}: ${response.body.detail}`);
    return { status: response.status, view: response.body };
  }

  async function transaction(id: string): Promise<TransactionView> {
    const response = await stack.api.getTransaction(id);
    if (!response.ok) throw new Error(`GET ${id} answered ${response.status}`);
    return response.body;
  }

  async function phaseStatuses(transactionId: string, phase: Phase): Promise<(number | null)[]> {
    return (await busi.calls(transactionId))
      .filter((call) => call.phase === phase)
      .map((call) => call.status);
  }

  function alertsFor(id: string): unknown[] {
    return webhook.received.filter((alert) => (alert as { id?: string }).id === id);
  }

  function cli(args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin', 'tcc.js'), ...args],
        {
          env: {
            PATH: process.env.PATH,
            TCC_COORDINATOR_URL: stack.apps.coordinator.url,
            TCC_API_KEY: stack.secrets.apiKey,
            TCC_ADMIN_TOKEN: stack.secrets.adminToken,
          },
        },
        (error, stdout) => {
          const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
          resolve({ code, stdout });
        },
      );
    });
  }

  it('cancels every branch when the participant refuses its try', async () => {
    const wallet = await openWallet('try-refused', 1000);
    const [from, to] = await accountPair('try-refused');
    await busi.control('try', { mode: 'refuse', times: 1 });

    const { status, view } = await begin({
      branches: [pay(wallet, 100), ...transfer(from, to, 100)],
    });

    expect(status).toBe(200);
    expect(view).toMatchObject({
      status: 'CANCELLED',
      reasonCode: 'BUSI_REFUSED',
      failedBranchId: view.branches[0].id,
    });
    expect(view.branches.map((branch) => branch.status)).toEqual([
      'TRY_FAILED',
      'CANCELLED',
      'CANCELLED',
    ]);
    await expectConsistent();
  });

  it('cancels every branch, the failed one included, when a try answers 500', async () => {
    const wallet = await openWallet('try-500', 1000);
    const [from, to] = await accountPair('try-500');
    await busi.control('try', { mode: 'fail500', times: 1 });

    const { status, view } = await begin({
      branches: [pay(wallet, 100), ...transfer(from, to, 100)],
    });

    expect(status).toBe(200);
    expect(view).toMatchObject({ status: 'CANCELLED', reasonCode: 'TRY_OUTCOME_UNKNOWN' });
    // Its outcome is unknown, so the failed branch is cancelled too: an empty cancel.
    expect(view.branches.map((branch) => branch.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
    ]);
    expect(await phaseStatuses(view.id, 'try')).toEqual([500]);
    expect(await phaseStatuses(view.id, 'cancel')).toEqual([200]);
    await expectConsistent();
  });

  it('cancels a try that hangs past the call timeout, and the barrier refuses it when it lands', async () => {
    const wallet = await openWallet('try-hangs', 1000);
    const [from, to] = await accountPair('try-hangs');
    await busi.control('try', { mode: 'hang', hangMs: 3 * CALL_TIMEOUT_MS, times: 1 });

    const { status, view } = await begin({
      branches: [pay(wallet, 100), ...transfer(from, to, 100)],
    });

    expect(status).toBe(200);
    expect(view).toMatchObject({ status: 'CANCELLED', reasonCode: 'TRY_OUTCOME_UNKNOWN' });
    expect(view.reason).toContain(`no answer within ${CALL_TIMEOUT_MS} ms`);
    // The cancel came first; the hanging try reaches the barrier afterwards and is refused.
    const lateTry = await waitFor(
      'the hanging try to be answered',
      async () => {
        const [call] = await phaseStatuses(view.id, 'try');
        return call === null ? undefined : call;
      },
      30_000,
    );
    expect(lateTry).toBe(409);
    const busiBranch = view.branches[0].id;
    expect(
      await sqlQuery(busi.databaseUrl, `SELECT * FROM wallet_holds WHERE branch_id = $1`, [
        busiBranch,
      ]),
    ).toEqual([]);
    expect(
      await sqlQuery(
        busi.databaseUrl,
        `SELECT phase, outcome FROM tcc_barrier WHERE branch_id = $1 ORDER BY phase`,
        [busiBranch],
      ),
    ).toEqual([
      { phase: 'cancel', outcome: 'empty' },
      { phase: 'try', outcome: 'cancelled-first' },
    ]);
    expect(await busi.wallet(wallet)).toMatchObject({ available: 1000, held: 0, used: 0 });
    await expectConsistent();
  });

  it('retries a confirm that fails three times until it succeeds', async () => {
    const wallet = await openWallet('confirm-fails-3', 1000);
    const [from, to] = await accountPair('confirm-fails-3');
    await busi.control('confirm', { mode: 'failTimes', times: 3 });

    const { status, view } = await begin({
      branches: [pay(wallet, 100), ...transfer(from, to, 100)],
    });

    // The decision is logged; the request saw the first confirm fail and left the rest to recovery.
    expect(status).toBe(202);
    expect(view.status).toBe('CONFIRMING');
    const final = await stack.waitForFinal(view.id);
    expect(final.status).toBe('CONFIRMED');
    expect(final.branches[0].attempts).toBeGreaterThanOrEqual(4);
    expect(final.branches.map((branch) => branch.status)).toEqual([
      'CONFIRMED',
      'CONFIRMED',
      'CONFIRMED',
    ]);
    expect(await phaseStatuses(view.id, 'confirm')).toEqual([500, 500, 500, 200]);
    // Three failures reach TCC_STUCK_AFTER_ATTEMPTS: flagged and alerted once; finished, no longer stuck.
    expect(final.events.map((event) => event.type)).toContain('STUCK');
    expect(final.stuck).toBe(false);
    expect(alertsFor(view.id)).toHaveLength(1);
    expect(await busi.wallet(wallet)).toMatchObject({ available: 900, held: 0, used: 100 });
    await expectConsistent();
  });

  it('retries a cancel that fails until it succeeds', async () => {
    const wallet = await openWallet('cancel-fails', 1000);
    const [from, to] = await accountPair('cancel-fails');
    await busi.control('cancel', { mode: 'failTimes', times: 2 });

    // The debit is refused (too much), so the tried payment must be cancelled.
    const { status, view } = await begin({
      branches: [pay(wallet, 100), ...transfer(from, to, 1_000_000)],
    });

    expect(status).toBe(202);
    expect(view).toMatchObject({ status: 'CANCELLING', reasonCode: 'INSUFFICIENT_FUNDS' });
    const final = await stack.waitForFinal(view.id);
    expect(final.status).toBe('CANCELLED');
    expect(final.branches.map((branch) => branch.status)).toEqual([
      'CANCELLED',
      'TRY_FAILED',
      'CANCELLED',
    ]);
    expect(await phaseStatuses(view.id, 'cancel')).toEqual([500, 500, 200]);
    expect(await busi.wallet(wallet)).toMatchObject({ available: 1000, held: 0, used: 0 });
    await expectConsistent();
  });

  it('marks a transaction stuck, alerts once, and lets an operator retry one and resolve another', async () => {
    const retried = await openWallet('stuck-retried', 1000);
    // Settled by hand below, so it is not in the ledger the log is checked against.
    const resolvedWallet = 'stuck-resolved';
    await busi.openWallet(resolvedWallet, 1000);
    await busi.control('confirm', { mode: 'fail500' });

    const [a, b] = await Promise.all([
      begin({ branches: [pay(retried, 100)] }),
      begin({ branches: [pay(resolvedWallet, 100, { confirm: { mode: 'fail500' } })] }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [idA, idB] = [a.view.id, b.view.id];
    for (const id of [idA, idB]) {
      await waitFor(
        `${id} to be stuck`,
        async () => ((await transaction(id)).stuck ? true : undefined),
        30_000,
      );
    }

    const listed = await cli(['list', '--stuck', '--json']);
    expect(listed.code).toBe(0);
    const stuckIds = (JSON.parse(listed.stdout) as { items: { id: string }[] }).items.map(
      (item) => item.id,
    );
    expect(stuckIds).toEqual(expect.arrayContaining([idA, idB]));
    await waitFor(
      'both alerts',
      () => Promise.resolve(alertsFor(idA).length && alertsFor(idB).length ? true : undefined),
      30_000,
    );
    expect(alertsFor(idA)).toEqual([
      { id: idA, status: 'CONFIRMING', attempts: 3, lastError: expect.stringContaining('500') },
    ]);

    // A person settles B by hand: no participant is called for it again.
    const resolved = await cli(['resolve', idB, '--note', 'confirmed at busi by hand', '--json']);
    expect(resolved.code).toBe(0);
    const viewB = await transaction(idB);
    expect(viewB).toMatchObject({ status: 'CONFIRMING', resolved: true, stuck: false });
    expect(viewB.events.map((event) => event.type)).toContain('RESOLVED');
    const relisted = await stack.api.listTransactions({ stuck: true });
    expect(relisted.ok && relisted.body.items.map((item) => item.id)).not.toContain(idB);
    const callsOfB = await waitFor(
      'calls to B in flight at the resolve to end',
      async () => {
        const calls = await busi.calls(idB);
        return calls.every((call) => call.status !== null) ? calls.length : undefined;
      },
      10_000,
    );

    // An operator's retry runs phase 2 at once, whatever the backoff says.
    const confirmsBefore = (await phaseStatuses(idA, 'confirm')).length;
    const stillBroken = await cli(['retry', idA, '--json']);
    expect(stillBroken.code).toBe(1);
    expect((await phaseStatuses(idA, 'confirm')).length).toBeGreaterThan(confirmsBefore);

    // Fixed, A is confirmed by the retry (or by recovery, if it came first) and is no longer stuck.
    await busi.control('confirm', { mode: 'ok' });
    const fixed = await cli(['retry', idA, '--json']);
    expect(fixed.code).toBe(0);
    expect(await stack.waitForFinal(idA)).toMatchObject({ status: 'CONFIRMED', stuck: false });

    // Several capped retry intervals later: B was not called again, and each got one alert.
    await sleep(3 * RETRY_MAX_MS);
    expect(await busi.calls(idB)).toHaveLength(callsOfB);
    expect(alertsFor(idA)).toHaveLength(1);
    expect(alertsFor(idB)).toHaveLength(1);

    // What the person did by hand: confirm B's branch at the participant.
    const branchB = viewB.branches[0];
    const settled = await callPhase(busi.url, stack.secrets.signingSecret, 'pay', 'confirm', {
      transactionId: idB,
      branchId: branchB.id,
      payload: { wallet: resolvedWallet, amount: 100 },
    });
    expect(settled.status).toBe(200);
    expect(await busi.wallet(resolvedWallet)).toMatchObject({
      available: 900,
      held: 0,
      used: 100,
    });
    await expectConsistent();
  });

  it('cancels an interactive transaction its client abandoned once its deadline passes', async () => {
    const wallet = await openWallet('abandoned', 1000);
    const [from] = await accountPair('abandoned');

    const { status, view } = await begin({
      autoCommit: false,
      timeoutMs: 500,
      branches: [pay(wallet, 100), debit(from, 100)],
    });

    expect(status).toBe(201);
    expect(view.status).toBe('TRYING');
    const final = await stack.waitForFinal(view.id);
    expect(final).toMatchObject({ status: 'CANCELLED', reasonCode: 'DEADLINE_PASSED' });
    expect(await busi.wallet(wallet)).toMatchObject({ available: 1000, held: 0 });
    await expectConsistent();
  });

  describe('duplicated and reordered phase calls sent straight to the participants', () => {
    // Groups run one after the other; the calls of a group are sent at the same moment.
    const CASES: Record<string, Phase[][]> = {
      'confirm twice': [['try'], ['confirm', 'confirm']],
      'try and confirm twice, all at once': [['try', 'try', 'confirm', 'confirm']],
      'cancel before try': [['cancel'], ['try']],
      'cancel racing two tries': [['cancel', 'try', 'try']],
      'try after cancel': [['try'], ['cancel'], ['try']],
      'confirm racing cancel': [['try'], ['confirm', 'cancel']],
      'every phase twice at once': [['try', 'confirm', 'cancel', 'try', 'confirm', 'cancel']],
    };
    const REPEATS = 3;

    interface Target {
      name: string;
      url: () => string;
      action: string;
      payload: Record<string, unknown>;
    }

    interface Outcome {
      target: Target;
      scenario: string;
      answers: PhaseAnswer[][];
      confirmed: boolean;
    }

    it('keeps every hold applied at most once and all of them settled', async () => {
      const payer = 'dup-payer';
      const payee = 'dup-payee';
      const sku = 'DUP-SKU';
      const wallet = 'dup-wallet';
      await stack.seedAccount(payer, 1_000_000);
      await stack.seedAccount(payee, 0);
      await stack.seedStock(sku, 1000);
      await busi.openWallet(wallet, 1_000_000);
      const targets: Target[] = [
        {
          name: 'reserve',
          url: () => stack.apps.inventory.url,
          action: 'reserve',
          payload: reserve(sku, 2).payload,
        },
        {
          name: 'debit',
          url: () => stack.apps.account.url,
          action: 'debit',
          payload: debit(payer, 10).payload,
        },
        {
          name: 'credit',
          url: () => stack.apps.account.url,
          action: 'credit',
          payload: credit(payee, 10).payload,
        },
        { name: 'pay', url: () => busi.url, action: 'pay', payload: pay(wallet, 10).payload },
      ];
      const secret = stack.secrets.signingSecret;
      const send = (
        target: Target,
        phase: Phase,
        ids: { transactionId: string; branchId: string },
      ) =>
        callPhase(
          target.url(),
          secret,
          target.action,
          phase,
          { ...ids, payload: target.payload },
          phase === 'try' ? Date.now() + 60_000 : undefined,
        );

      const runs = targets.flatMap((target) =>
        Object.entries(CASES).flatMap(([scenario, groups]) =>
          Array.from({ length: REPEATS }, async (): Promise<Outcome> => {
            const ids = { transactionId: randomUUID(), branchId: randomUUID() };
            const answers: PhaseAnswer[][] = [];
            for (const group of groups) {
              answers.push(await Promise.all(group.map((phase) => send(target, phase, ids))));
            }
            const confirmed = groups.some((group, g) =>
              group.some((phase, i) => phase === 'confirm' && answers[g][i].status === 200),
            );
            // Settle the branch the way it went, as a coordinator would; the other way is refused.
            const [settle, opposite]: Phase[] = confirmed
              ? ['confirm', 'cancel']
              : ['cancel', 'confirm'];
            answers.push([await send(target, settle, ids), await send(target, opposite, ids)]);
            return { target, scenario, answers, confirmed };
          }),
        ),
      );
      const outcomes = await Promise.all(runs);

      for (const { target, scenario, answers } of outcomes) {
        const what = `${target.name}: ${scenario}`;
        const statuses = answers.map((group) => group.map((answer) => answer.status));
        const settling = statuses[statuses.length - 1];
        expect({ what, settling }).toEqual({ what, settling: [200, 409] });
        if (scenario === 'cancel before try' || scenario === 'try after cancel') {
          expect({ what, lateTry: answers[answers.length - 2] }).toEqual({
            what,
            lateTry: [{ status: 409, code: 'TRY_CANCELLED' }],
          });
        }
        if (scenario === 'confirm twice') {
          expect({ what, confirms: statuses[1] }).toEqual({ what, confirms: [200, 200] });
        }
        if (scenario === 'confirm racing cancel') {
          expect({ what, race: [...statuses[1]].sort() }).toEqual({ what, race: [200, 409] });
        }
      }

      const confirmed = (name: string) =>
        outcomes.filter((outcome) => outcome.target.name === name && outcome.confirmed).length;
      expect(await stack.account(payer)).toMatchObject({
        balance: 1_000_000 - 10 * confirmed('debit'),
        frozen: 0,
      });
      expect(await stack.account(payee)).toMatchObject({
        balance: 10 * confirmed('credit'),
        incoming: 0,
      });
      expect(await stack.stock(sku)).toEqual({
        sku,
        available: 1000 - 2 * confirmed('reserve'),
        reserved: 0,
        sold: 2 * confirmed('reserve'),
      });
      expect(await busi.wallet(wallet)).toEqual({
        id: wallet,
        available: 1_000_000 - 10 * confirmed('pay'),
        held: 0,
        used: 10 * confirmed('pay'),
      });
      await expectConsistent();
    });
  });
});
