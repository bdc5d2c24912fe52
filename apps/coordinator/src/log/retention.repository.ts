import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import { runSql } from '@app/database';

/** Deletes finished transactions once they are older than the retention period. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly clock: LogClock) {}

  /**
   * Deletes one batch of finished transactions last changed more than
   * `days` ago, with their branches and events, in one short local
   * transaction. Returns how many transactions went.
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
      await tx.query(`DELETE FROM events WHERE transaction_id = ANY($1::uuid[])`, [ids]);
      await tx.query(`DELETE FROM branches WHERE transaction_id = ANY($1::uuid[])`, [ids]);
      await tx.query(`DELETE FROM transactions WHERE id = ANY($1::uuid[])`, [ids]);
      return ids.length;
    });
  }
}
