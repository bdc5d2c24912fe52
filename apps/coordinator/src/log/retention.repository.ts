import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import { runSql } from '@app/database';

/**
 * Deletes finished transactions once they are older than the retention
 * period, and the records of their idempotency keys once those are older
 * than theirs.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly clock: LogClock) {}

  /**
   * Deletes one batch of finished transactions last changed more than
   * `days` ago, with their branches and events, in one short local
   * transaction. Returns how many transactions went. Each one's key record
   * learns how it ended in that same local transaction, so no moment exists
   * in which the key is free or its retry could not be told the outcome.
   */
  async purgeFinishedBatch(manager: EntityManager, days: number, limit: number): Promise<number> {
    return manager.transaction(async (tx) => {
      // SKIP LOCKED: a row someone is reading or writing right now waits for the next batch.
      const { rows } = await runSql<{ id: string }>(
        tx,
        `SELECT id FROM transactions
         WHERE status IN ('${TransactionStatus.Confirmed}', '${TransactionStatus.Cancelled}')
           AND updated_at < ${this.clock.now} - $1 * interval '1 day'
         ORDER BY updated_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED`,
        [days, limit],
      );
      const ids = rows.map((row) => row.id);
      if (ids.length === 0) return 0;
      // A transaction logged before key records existed gets its record here.
      await tx.query(
        `INSERT INTO idempotency_keys (key, request_hash, transaction_id, created_at,
           final_status, finished_at)
         SELECT idempotency_key, request_hash, id, created_at, status, updated_at
         FROM transactions WHERE id = ANY($1::uuid[]) AND idempotency_key IS NOT NULL
         ON CONFLICT (key) DO UPDATE
         SET final_status = EXCLUDED.final_status, finished_at = EXCLUDED.finished_at
         WHERE idempotency_keys.transaction_id = EXCLUDED.transaction_id`,
        [ids],
      );
      await tx.query(`DELETE FROM events WHERE transaction_id = ANY($1::uuid[])`, [ids]);
      await tx.query(`DELETE FROM branches WHERE transaction_id = ANY($1::uuid[])`, [ids]);
      await tx.query(`DELETE FROM transactions WHERE id = ANY($1::uuid[])`, [ids]);
      return ids.length;
    });
  }

  /**
   * Deletes one batch of key records whose transaction finished more than
   * `days` ago and was purged: from then on the key can start a new
   * transaction. Returns how many went.
   */
  async purgeKeysBatch(manager: EntityManager, days: number, limit: number): Promise<number> {
    const { rows } = await runSql<{ key: string }>(
      manager,
      `DELETE FROM idempotency_keys WHERE key IN (
         SELECT key FROM idempotency_keys
         WHERE finished_at < ${this.clock.now} - $1 * interval '1 day'
         ORDER BY finished_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING key`,
      [days, limit],
    );
    return rows.length;
  }
}
