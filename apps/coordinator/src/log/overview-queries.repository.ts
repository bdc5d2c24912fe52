import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import { runSql } from '@app/database';

/** Finished transactions of one time bucket, by outcome. */
export interface FinishedBucket {
  /** Start of the bucket. */
  at: Date;
  confirmed: number;
  cancelled: number;
}

const CONFIRMED = TransactionStatus.Confirmed;
const CANCELLED = TransactionStatus.Cancelled;

/**
 * The counts behind the admin overview and the stuck gauge. Each is one
 * statement on an index, cheap enough to run on every refresh and scrape.
 */
@Injectable()
export class OverviewQueries {
  constructor(private readonly clock: LogClock) {}

  /** How many transactions have each status (index-only scan of `transactions_status`). */
  async countByStatus(manager: EntityManager): Promise<Record<TransactionStatus, number>> {
    const { rows } = await runSql<{ status: TransactionStatus; count: number }>(
      manager,
      `SELECT status, count(*)::int AS count FROM transactions GROUP BY status`,
    );
    const counts = Object.fromEntries(
      Object.values(TransactionStatus).map((status) => [status, 0]),
    ) as Record<TransactionStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  /**
   * Stuck transactions a person still has to look at: the stuck list's rows
   * (`transactions_stuck` is partial on exactly the flag).
   */
  async countStuck(manager: EntityManager): Promise<number> {
    const { rows } = await runSql<{ count: number }>(
      manager,
      `SELECT count(*)::int AS count FROM transactions
       WHERE stuck AND NOT resolved
         AND status IN ('${TransactionStatus.Confirming}', '${TransactionStatus.Cancelling}')`,
    );
    return rows[0]?.count ?? 0;
  }

  /**
   * Transactions that finished in each of the last `buckets` buckets of
   * `bucketSeconds`, oldest first, by their `updated_at` (set when they
   * finished). Buckets start on multiples of the bucket length in the log's
   * clock; the newest is the one in progress. Reads only the range of the
   * `transactions_finished` index that covers the window.
   */
  async finishedPerBucket(
    manager: EntityManager,
    bucketSeconds: number,
    buckets: number,
  ): Promise<FinishedBucket[]> {
    const bucketStart = (column: string): string =>
      `to_timestamp(floor(extract(epoch FROM ${column}) / $1::int) * $1::int)`;
    const { rows } = await runSql<FinishedBucket>(
      manager,
      `WITH series AS (
         SELECT generate_series(
           ${bucketStart(this.clock.now)} - ($2::int - 1) * $1::int * interval '1 second',
           ${bucketStart(this.clock.now)},
           $1::int * interval '1 second') AS at
       ), finished AS (
         SELECT ${bucketStart('updated_at')} AS at,
           count(*) FILTER (WHERE status = '${CONFIRMED}')::int AS confirmed,
           count(*) FILTER (WHERE status = '${CANCELLED}')::int AS cancelled
         FROM transactions
         WHERE status IN ('${CONFIRMED}', '${CANCELLED}')
           AND updated_at >= (SELECT min(at) FROM series)
         GROUP BY 1
       )
       SELECT series.at, coalesce(finished.confirmed, 0) AS confirmed,
         coalesce(finished.cancelled, 0) AS cancelled
       FROM series LEFT JOIN finished USING (at)
       ORDER BY series.at`,
      [bucketSeconds, buckets],
    );
    return rows;
  }
}
