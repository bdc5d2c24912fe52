import type { DataSource } from 'typeorm';
import { runSql } from '@app/participant';

/** The last step of a committed move: the accounts are the destination's own now. */
export async function welcomeAccounts(
  dataSource: DataSource,
  ids: readonly string[],
): Promise<void> {
  await dataSource.transaction('READ COMMITTED', async (manager) => {
    await runSql(manager, `DELETE FROM account_arrivals WHERE account_id = ANY($1)`, [ids]);
    // A forward left by an earlier trip away from this shard, now wrong.
    await runSql(manager, `DELETE FROM account_forwards WHERE account_id = ANY($1)`, [ids]);
  });
}

/** The shard an account marked arriving on this shard comes from, or null when it is not arriving. */
export async function arrivingFrom(dataSource: DataSource, id: string): Promise<string | null> {
  const { rows } = await runSql<{ from_shard: string }>(
    dataSource.manager,
    `SELECT from_shard FROM account_arrivals WHERE account_id = $1`,
    [id],
  );
  return rows[0]?.from_shard ?? null;
}

/** Where a shard forwarded an account it let go of, or null. */
export async function forwardedTo(dataSource: DataSource, id: string): Promise<string | null> {
  const { rows } = await runSql<{ shard: string }>(
    dataSource.manager,
    `SELECT shard FROM account_forwards WHERE account_id = $1`,
    [id],
  );
  return rows[0]?.shard ?? null;
}
