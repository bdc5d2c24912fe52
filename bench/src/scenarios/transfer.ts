import { TransactionStatus, TransactionView } from '@app/protocol';
import { CpuShares, watchCpu } from '../cpu';
import { AppClient } from '../http';
import { LoadResult, closedLoop, quantile } from '../load';
import { withClient } from '../postgres';
import { ProgressLine } from '../progress';
import { RssSummary, watchRss } from '../rss';
import { BenchStack, inParallel } from '../stack';

/** Opening balance of every transfer account: no transfer of the run can be refused for funds. */
const OPENING = 1_000_000_000;
const MAX_AMOUNT = 100;

/** Accounts of the transfer, grouped by the shard each landed on. */
export type AccountsByShard = string[][];

/** Throughput, latency, errors and invariants of the cross-shard transfer load. */
export interface TransferResult {
  txPerS: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  /** The sum of the transfer accounts' balances equals their opening sum. */
  moneyConserved: boolean;
  /** No amount frozen or incoming, no hold still HELD, no transaction unfinished. */
  nothingFrozen: boolean;
  rss: RssSummary;
  /** Where the machine's CPU went during the load. */
  cpu: CpuShares;
}

/** Creates `count` accounts and groups them by shard (the seeding answer names the shard). */
export async function seedTransferAccounts(
  stack: BenchStack,
  count: number,
  progress: ProgressLine,
): Promise<AccountsByShard> {
  const byShard = new Map<string, string[]>();
  let done = 0;
  await inParallel(
    Array.from({ length: count }, (_, i) => `tr-${i}`),
    16,
    async (id) => {
      const answer = await stack.accountAdmin.send<{ shard: string }>('PUT', `/accounts/${id}`, {
        balance: OPENING,
      });
      if (answer.status !== 201) throw new Error(`PUT /accounts/${id} answered ${answer.status}`);
      byShard.set(answer.body.shard, [...(byShard.get(answer.body.shard) ?? []), id]);
      done += 1;
      progress.update(`seeding accounts ${done}/${count}`);
    },
  );
  progress.done(`seeded ${count} accounts on ${byShard.size} shards`);
  if (byShard.size < 2) throw new Error('every transfer account landed on one shard');
  return [...byShard.values()];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** A debit on one shard and a credit on another, between random accounts. */
function randomTransfer(accounts: AccountsByShard): object {
  const from = Math.floor(Math.random() * accounts.length);
  const to = (from + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length;
  const amount = 1 + Math.floor(Math.random() * MAX_AMOUNT);
  return {
    branches: [
      {
        participant: 'account',
        action: 'debit',
        payload: { accountId: pick(accounts[from]), amount },
      },
      {
        participant: 'account',
        action: 'credit',
        payload: { accountId: pick(accounts[to]), amount },
      },
    ],
  };
}

/** Starts measuring the CPU of the stack's apps and of its PostgreSQL server, when that is local. */
export function watchStackCpu(stack: BenchStack): () => CpuShares {
  return watchCpu(
    Object.fromEntries(Object.values(stack.apps).map((app) => [app.name, app.pid])),
    stack.postmasterPid === null ? {} : { PostgreSQL: stack.postmasterPid },
  );
}

/** Waits until recovery has nothing left to finish in the log; returns how many are still unfinished. */
export async function waitForQuietLog(stack: BenchStack, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const unfinished = await withClient(stack.databases.coordinator.url, async (client) => {
      const { rows } = await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM transactions
         WHERE status IN ('TRYING', 'CONFIRMING', 'CANCELLING') AND NOT resolved`,
      );
      return rows[0].count;
    });
    if (unfinished === 0 || Date.now() > deadline) return unfinished;
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 200));
  }
}

/** Sums over the transfer accounts of every shard, straight from the shard databases. */
async function ledgerTotals(
  stack: BenchStack,
): Promise<{ accounts: number; balance: bigint; frozen: bigint; incoming: bigint; held: number }> {
  const totals = { accounts: 0, balance: 0n, frozen: 0n, incoming: 0n, held: 0 };
  for (const shard of stack.databases.shards) {
    await withClient(shard.url, async (client) => {
      const { rows } = await client.query<{
        accounts: number;
        balance: string;
        frozen: string;
        incoming: string;
      }>(
        `SELECT count(*)::int AS accounts, COALESCE(sum(balance), 0)::text AS balance,
           COALESCE(sum(frozen), 0)::text AS frozen, COALESCE(sum(incoming), 0)::text AS incoming
         FROM accounts WHERE id LIKE 'tr-%'`,
      );
      const held = await client.query<{ held: number }>(
        `SELECT count(*)::int AS held FROM holds WHERE state = 'HELD'`,
      );
      totals.accounts += rows[0].accounts;
      totals.balance += BigInt(rows[0].balance);
      totals.frozen += BigInt(rows[0].frozen);
      totals.incoming += BigInt(rows[0].incoming);
      totals.held += held.rows[0].held;
    });
  }
  return totals;
}

/**
 * Cross-shard transfers through the coordinator from `concurrency` clients
 * for `durationMs`, the coordinator's memory sampled every second; then
 * the invariants once recovery has finished whatever was left.
 */
export async function runTransfer(
  stack: BenchStack,
  accounts: AccountsByShard,
  options: {
    label: string;
    concurrency: number;
    durationMs: number;
    warmupMs: number;
    progress: ProgressLine;
    /** Called as the measured window opens. */
    onMeasureStart?(): void;
  },
): Promise<TransferResult> {
  const coordinator = new AppClient(
    stack.apps.coordinator.url,
    options.concurrency,
    stack.secrets.apiKey,
  );
  let stopRss: (() => RssSummary) | undefined;
  let stopCpu: (() => CpuShares) | undefined;
  let load: LoadResult;
  try {
    load = await closedLoop({
      label: options.label,
      callers: options.concurrency,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      onMeasureStart: () => {
        stopRss = watchRss(stack.apps.coordinator.pid);
        stopCpu = watchStackCpu(stack);
        options.onMeasureStart?.();
      },
      progress: options.progress,
      request: async () => {
        const answer = await coordinator.send<TransactionView>(
          'POST',
          '/v1/transactions',
          randomTransfer(accounts),
        );
        if (answer.status === 200 && answer.body.status === TransactionStatus.Confirmed) {
          return { ok: true };
        }
        const body = answer.body as Partial<TransactionView> & { code?: string };
        return {
          ok: false,
          error: `${answer.status} ${body.status ?? body.code ?? ''} ${body.reason ?? ''}`,
        };
      },
    });
  } finally {
    await coordinator.close();
  }
  if (!stopRss || !stopCpu) throw new Error('the transfer load ended before its measured window');
  const rss = stopRss();
  const cpu = stopCpu();
  const unfinished = await waitForQuietLog(stack);
  const totals = await ledgerTotals(stack);
  const opening = BigInt(totals.accounts) * BigInt(OPENING);
  return {
    txPerS: load.completed / (load.elapsedMs / 1000),
    p50Ms: quantile(load.latenciesMs, 0.5),
    p95Ms: quantile(load.latenciesMs, 0.95),
    p99Ms: quantile(load.latenciesMs, 0.99),
    completed: load.completed,
    errors: load.errors,
    errorSamples: load.errorSamples,
    moneyConserved: totals.balance === opening,
    nothingFrozen:
      unfinished === 0 && totals.frozen === 0n && totals.incoming === 0n && totals.held === 0,
    rss,
    cpu,
  };
}
