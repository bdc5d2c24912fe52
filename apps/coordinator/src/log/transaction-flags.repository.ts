import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import type { TransactionRecord } from '../domain/records';
import { transactionColumns } from './columns';
import { select } from './sql';

const UNFINISHED = `('${TransactionStatus.Trying}', '${TransactionStatus.Confirming}', '${TransactionStatus.Cancelling}')`;

/** The two flags a transaction carries besides its status: stuck and resolved. */
@Injectable()
export class TransactionFlags {
  constructor(private readonly clock: LogClock) {}

  /**
   * Marks an unfinished transaction stuck. True only for the one writer that
   * flipped the flag, so the alert goes out once however many notice; never
   * for a resolved one, which a pass still in flight may report on.
   */
  async markStuck(
    manager: EntityManager,
    id: string,
    branchId: string,
    error: string,
  ): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    const rows = await select<TransactionRecord>(
      manager,
      `WITH changed AS (
         UPDATE transactions SET stuck = true, updated_at = ${now}
         WHERE id = $1 AND NOT stuck AND NOT resolved AND status IN ${UNFINISHED}
         RETURNING ${transactionColumns(now)}
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT id, ${now}, 'STUCK', $2, $3::jsonb FROM changed
       )
       SELECT * FROM changed`,
      [id, branchId, JSON.stringify({ error })],
    );
    return rows[0] ?? null;
  }

  /**
   * A person settled the transaction by hand: no participant is called for
   * it again, and it is no longer stuck. Null when it is finished or
   * already resolved.
   */
  async markResolved(
    manager: EntityManager,
    id: string,
    note: string,
  ): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    const rows = await select<TransactionRecord>(
      manager,
      `WITH changed AS (
         UPDATE transactions
         SET resolved = true, stuck = false, lease_owner = NULL, lease_until = NULL,
           updated_at = ${now}
         WHERE id = $1 AND NOT resolved AND status IN ${UNFINISHED}
         RETURNING ${transactionColumns(now)}
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, detail)
         SELECT id, ${now}, 'RESOLVED', $2::jsonb FROM changed
       )
       SELECT * FROM changed`,
      [id, JSON.stringify({ note })],
    );
    return rows[0] ?? null;
  }
}
