import { TransactionStatus, TransactionView } from '@app/protocol';
import { AppClient } from '../http';
import { closedLoop, quantile } from '../load';
import { PgServer, createDatabase, dropDatabases, withClient } from '../postgres';
import { ProgressLine } from '../progress';
import { BenchStack, inParallel } from '../stack';
import { waitForQuietLog } from './transfer';

const OPENING = 1_000_000_000;
const MAX_AMOUNT = 100;
const POLL_MS = 100;

/** Transfer throughput and tail latency over one window. */
export interface TransferWindow {
  txPerS: number;
  p99Ms: number;
  errors: number;
}

/** How fast a third shard is filled while transfers run, and what the transfers felt. */
export interface RebalanceResult {
  accounts: number;
  concurrency: number;
  moved: number;
  moveS: number;
  accountsPerS: number;
  before: TransferWindow;
  during: TransferWindow;
  /** The accounts' balances sum to their openings, nothing frozen, incoming or unfinished. */
  moneyConserved: boolean;
}

interface ShardsView {
  ring: { version: number; shards: string[] };
  rebalance: { state: string; total: number; moved: number; error: string | null };
}

/**
 * Seeds accounts on the stack's two shards, restarts the account app with a
 * third (idle) shard listed, measures transfers between those accounts, then
 * rebalances onto three shards while the same transfers run, until it is
 * done. Runs last: the stack keeps its third shard afterwards.
 */
export async function runRebalance(
  stack: BenchStack,
  server: PgServer,
  options: {
    accounts: number;
    concurrency: number;
    durationMs: number;
    warmupMs: number;
    progress: ProgressLine;
  },
): Promise<RebalanceResult> {
  const { progress } = options;
  const ids = Array.from({ length: options.accounts }, (_, i) => `rb-${i}`);
  let seeded = 0;
  await inParallel(ids, 16, async (id) => {
    const answer = await stack.accountAdmin.send('PUT', `/accounts/${id}`, { balance: OPENING });
    if (answer.status !== 201) throw new Error(`PUT /accounts/${id} answered ${answer.status}`);
    progress.update(`rebalance: seeding accounts ${++seeded}/${ids.length}`);
  });
  progress.done(`rebalance: seeded ${ids.length} accounts`);

  const extra = await createDatabase(server, 'acc2');
  try {
    const [shard0, shard1] = stack.databases.shards;
    await stack.apps.account.restart({
      ACCOUNT_SHARD_URLS: `shard-0=${shard0.url},shard-1=${shard1.url},shard-2=${extra.url}`,
    });
    const admin = new AppClient(stack.apps.account.url, 2, stack.secrets.adminToken);
    const coordinator = new AppClient(
      stack.apps.coordinator.url,
      options.concurrency,
      stack.secrets.apiKey,
    );
    const transfer = async (): Promise<{ ok: true } | { ok: false; error: string }> => {
      const from = ids[Math.floor(Math.random() * ids.length)];
      let to = ids[Math.floor(Math.random() * ids.length)];
      if (to === from) to = ids[(ids.indexOf(from) + 1) % ids.length];
      const amount = 1 + Math.floor(Math.random() * MAX_AMOUNT);
      const answer = await coordinator.send<TransactionView>('POST', '/v1/transactions', {
        branches: [
          { participant: 'account', action: 'debit', payload: { accountId: from, amount } },
          { participant: 'account', action: 'credit', payload: { accountId: to, amount } },
        ],
      });
      if (answer.status === 200 && answer.body.status === TransactionStatus.Confirmed) {
        return { ok: true };
      }
      return {
        ok: false,
        error: `${answer.status} ${answer.body.status ?? ''} ${answer.body.reasonCode ?? ''}`,
      };
    };
    try {
      const before = await closedLoop({
        label: 'rebalance: transfers before',
        callers: options.concurrency,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        request: transfer,
        progress,
      });

      let finished: ShardsView | null = null;
      let view: ShardsView | null = null;
      const started = performance.now();
      const answer = await admin.send('POST', '/admin/shards/rebalance', {
        shards: ['shard-0', 'shard-1', 'shard-2'],
      });
      if (answer.status !== 202)
        throw new Error(`POST /admin/shards/rebalance answered ${answer.status}`);
      let moveS = 0;
      const watcher = (async () => {
        for (;;) {
          view = (await admin.send<ShardsView>('GET', '/admin/shards')).body;
          if (view.rebalance.state === 'failed')
            throw new Error(`rebalance failed: ${view.rebalance.error}`);
          if (view.rebalance.state === 'done') {
            moveS = (performance.now() - started) / 1000;
            finished = view;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      })();
      const during = await closedLoop({
        label: 'rebalance: transfers during the move',
        callers: options.concurrency,
        durationMs: null,
        request: () => (finished === null ? transfer() : Promise.resolve('stop' as const)),
        progress,
        status: () => (view ? `${view.rebalance.moved}/${view.rebalance.total} moved` : ''),
      });
      await watcher;
      const done = finished as ShardsView | null;
      if (done === null) throw new Error('the rebalance did not finish');

      const unfinished = await waitForQuietLog(stack);
      let balance = 0n;
      let pending = 0n;
      for (const shard of [shard0, shard1, extra]) {
        await withClient(shard.url, async (client) => {
          const { rows } = await client.query<{ balance: string; pending: string }>(
            `SELECT COALESCE(sum(balance), 0)::text AS balance,
               COALESCE(sum(frozen + incoming), 0)::text AS pending
             FROM accounts WHERE id LIKE 'rb-%'`,
          );
          balance += BigInt(rows[0].balance);
          pending += BigInt(rows[0].pending);
        });
      }
      const window = (load: typeof before): TransferWindow => ({
        txPerS: load.completed / (load.elapsedMs / 1000),
        p99Ms: quantile(load.latenciesMs, 0.99),
        errors: load.errors,
      });
      return {
        accounts: ids.length,
        concurrency: options.concurrency,
        moved: done.rebalance.moved,
        moveS,
        accountsPerS: done.rebalance.moved / moveS,
        before: window(before),
        during: window(during),
        moneyConserved:
          unfinished === 0 && pending === 0n && balance === BigInt(ids.length) * BigInt(OPENING),
      };
    } finally {
      await Promise.all([admin.close(), coordinator.close()]);
    }
  } finally {
    await stack.apps.account.stop();
    await dropDatabases(server, [extra]);
  }
}
