import type { DataSource, EntityManager } from 'typeorm';
import { runSql } from '@app/participant';
import type { Departure } from '../ledger/accounts.repository';
import { ACCOUNT_LOCK_SPACE } from '../ring/account-lock';
import { welcomeAccounts } from '../ring/arrivals';

import type { Shard } from '../shards/shard-router';
import { DEPARTURE_WINDOW_MS } from '../tcc/account-fence';

/**
 * Takes the move locks of `ids` on a shard, alone, in one order (hash
 * order, so two lockers of overlapping sets cannot deadlock); returns once
 * every phase in flight on them has committed.
 */
async function lockAccounts(manager: EntityManager, ids: readonly string[]): Promise<void> {
  await runSql(
    manager,
    `SELECT pg_advisory_xact_lock(${ACCOUNT_LOCK_SPACE}, h)
     FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($1::text[]) AS id ORDER BY 1) AS locks`,
    [ids],
  );
}

/** Deletes accounts from a shard with their holds, their holds' barrier rows and any arrival mark. */
async function removeAccounts(manager: EntityManager, ids: readonly string[]): Promise<void> {
  await runSql(
    manager,
    `DELETE FROM tcc_barrier b USING holds h
     WHERE h.account_id = ANY($1)
       AND h.transaction_id = b.transaction_id AND h.branch_id = b.branch_id`,
    [ids],
  );
  await runSql(manager, `DELETE FROM holds WHERE account_id = ANY($1)`, [ids]);
  await runSql(manager, `DELETE FROM account_arrivals WHERE account_id = ANY($1)`, [ids]);
  await runSql(manager, `DELETE FROM accounts WHERE id = ANY($1)`, [ids]);
}

/** Copies rows to another shard: one statement per table, the rows as a JSON array. */
async function copyRows(manager: EntityManager, sql: string, rows: unknown[]): Promise<void> {
  if (rows.length > 0) await runSql(manager, sql, [JSON.stringify(rows)]);
}

interface MovingAccount {
  id: string;
  balance: string;
  frozen: string;
  incoming: string;
  history: Departure[];
  created_at: string;
}

/**
 * Moves accounts from one shard to another as one atomic step across the
 * two databases, without two-phase commit. The source transaction takes the
 * accounts' move locks (phases on them finish first; new ones wait), reads
 * each account with every hold it has and the barrier rows of those holds;
 * the destination commits copies marked as arriving; the source then
 * deletes its rows and leaves a forward, and its commit is the move's
 * commit point; the destination finally clears the marks. A crash leaves
 * either the source untouched (the copies are rolled back by
 * {@link settleArrivals}) or the forward in place (the marks are cleared).
 * Accounts no longer on the source (moved already) are skipped, so running a
 * move again is harmless. Returns how many accounts moved.
 */
export async function moveAccounts(
  from: Shard,
  to: Shard,
  ids: readonly string[],
): Promise<number> {
  const source = from.dataSource.createQueryRunner();
  await source.connect();
  try {
    await source.startTransaction('READ COMMITTED');
    const manager = source.manager;
    await lockAccounts(manager, ids);
    const accounts = (
      await runSql<MovingAccount>(
        manager,
        `SELECT id, balance, frozen, incoming, history, created_at FROM accounts WHERE id = ANY($1)`,
        [ids],
      )
    ).rows;
    if (accounts.length === 0) {
      await source.rollbackTransaction();
      return 0;
    }
    const present = accounts.map((account) => account.id);
    const holds = (
      await runSql(
        manager,
        `SELECT transaction_id, branch_id, account_id, kind, amount, state, created_at, settled_at
         FROM holds WHERE account_id = ANY($1)`,
        [present],
      )
    ).rows;
    const barriers = (
      await runSql(
        manager,
        `SELECT b.transaction_id, b.branch_id, b.phase, b.outcome, b.detail, b.created_at
         FROM tcc_barrier b JOIN holds h
           ON h.transaction_id = b.transaction_id AND h.branch_id = b.branch_id
         WHERE h.account_id = ANY($1)`,
        [present],
      )
    ).rows;
    const now = Date.now();
    const arriving = accounts.map((account) => ({
      ...account,
      history: [
        ...account.history.filter((departure) => departure.at > now - DEPARTURE_WINDOW_MS),
        { shard: from.name, at: now },
      ],
    }));

    await to.dataSource.transaction('READ COMMITTED', async (target) => {
      await copyRows(
        target,
        `INSERT INTO accounts (id, balance, frozen, incoming, history, created_at)
         SELECT id, balance, frozen, incoming, history, created_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, balance bigint, frozen bigint,
           incoming bigint, history jsonb, created_at timestamptz)`,
        arriving,
      );
      await runSql(
        target,
        `INSERT INTO account_arrivals (account_id, from_shard) SELECT unnest($1::text[]), $2`,
        [present, from.name],
      );
      await copyRows(
        target,
        `INSERT INTO holds (transaction_id, branch_id, account_id, kind, amount, state, created_at, settled_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(transaction_id text, branch_id text,
           account_id text, kind text, amount bigint, state text, created_at timestamptz,
           settled_at timestamptz)`,
        holds,
      );
      await copyRows(
        target,
        `INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome, detail, created_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(transaction_id text, branch_id text,
           phase text, outcome text, detail jsonb, created_at timestamptz)`,
        barriers,
      );
    });

    await removeAccounts(manager, present);
    await runSql(
      manager,
      `INSERT INTO account_forwards (account_id, shard) SELECT unnest($1::text[]), $2
       ON CONFLICT (account_id) DO UPDATE SET shard = EXCLUDED.shard, moved_at = now()`,
      [present, to.name],
    );
    await source.commitTransaction();
    await welcomeAccounts(to.dataSource, present);
    return present.length;
  } catch (error) {
    if (source.isTransactionActive) await source.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await source.release();
  }
}

/** Throws away copies whose move never committed: the source still holds the accounts. */
async function sendBack(dataSource: DataSource, ids: readonly string[]): Promise<void> {
  await dataSource.transaction('READ COMMITTED', async (manager) => {
    await lockAccounts(manager, ids);
    await removeAccounts(manager, ids);
  });
}

/**
 * Finishes the moves a crash interrupted between their two commits: for
 * each account still marked arriving on a shard, the source's forward says
 * whether the move committed (clear the mark) or not (drop the copy).
 * Returns how many arrivals it settled.
 */
export async function settleArrivals(
  shards: readonly Shard[],
  shardNamed: (name: string) => Shard,
): Promise<number> {
  let settled = 0;
  for (const shard of shards) {
    const { rows } = await runSql<{ account_id: string; from_shard: string }>(
      shard.dataSource.manager,
      `SELECT account_id, from_shard FROM account_arrivals`,
    );
    const bySource = new Map<string, string[]>();
    for (const row of rows) {
      bySource.set(row.from_shard, [...(bySource.get(row.from_shard) ?? []), row.account_id]);
    }
    for (const [from, ids] of bySource) {
      const forwarded = await runSql<{ account_id: string }>(
        shardNamed(from).dataSource.manager,
        `SELECT account_id FROM account_forwards WHERE account_id = ANY($1) AND shard = $2`,
        [ids, shard.name],
      );
      const committed = new Set(forwarded.rows.map((row) => row.account_id));
      const kept = ids.filter((id) => committed.has(id));
      const dropped = ids.filter((id) => !committed.has(id));
      if (kept.length > 0) await welcomeAccounts(shard.dataSource, kept);
      if (dropped.length > 0) await sendBack(shard.dataSource, dropped);
      settled += ids.length;
    }
  }
  return settled;
}
