import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { runSql } from '@app/database';
import { TransactionStatus } from '@app/protocol';
import { LogClock } from './log-clock';
import { LogWrites } from './log-writes';
import type { TransactionRecord } from '../domain/records';
import { transactionColumns } from './columns';

const UNFINISHED = `('${TransactionStatus.Trying}', '${TransactionStatus.Confirming}', '${TransactionStatus.Cancelling}')`;
const PHASE_TWO = `('${TransactionStatus.Confirming}', '${TransactionStatus.Cancelling}')`;

/**
 * Leases say which coordinator works on a transaction right now. They save
 * duplicate work; correctness comes from the status CAS and the
 * participants' barrier, so an expired lease is harmless.
 */
@Injectable()
export class Leases {
  constructor(
    private readonly clock: LogClock,
    private readonly writes: LogWrites,
  ) {}

  /**
   * Claims up to `limit` due transactions for `owner` in one short
   * statement; rows another coordinator is claiming are skipped, not waited
   * for. A claimed phase-2 transaction counts one more attempt.
   */
  async claimDueTransactions(
    manager: EntityManager,
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<TransactionRecord[]> {
    const now = this.clock.now;
    const { rows } = await runSql<TransactionRecord>(
      manager,
      `UPDATE transactions
       SET lease_owner = $1, lease_until = ${now} + $3 * interval '1 millisecond',
         attempts = attempts + CASE WHEN status IN ${PHASE_TWO} THEN 1 ELSE 0 END
       WHERE id IN (
         SELECT id FROM transactions
         WHERE status IN ${UNFINISHED} AND NOT resolved AND next_attempt_at <= ${now}
           AND (lease_until IS NULL OR lease_until < ${now})
         ORDER BY next_attempt_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING ${transactionColumns(now)}`,
      [owner, limit, leaseMs],
    );
    return rows;
  }

  /**
   * Claims one decided transaction now, whatever its due time (an
   * operator's retry); null when it is finished, still trying, resolved, or
   * leased by someone else.
   */
  async claimForRetry(
    manager: EntityManager,
    id: string,
    owner: string,
    leaseMs: number,
  ): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    const { rows } = await runSql<TransactionRecord>(
      manager,
      `UPDATE transactions
       SET lease_owner = $2, lease_until = ${now} + $3 * interval '1 millisecond',
         attempts = attempts + 1
       WHERE id = $1 AND status IN ${PHASE_TWO} AND NOT resolved
         AND (lease_until IS NULL OR lease_until < ${now} OR lease_owner = $2)
       RETURNING ${transactionColumns(now)}`,
      [id, owner, leaseMs],
    );
    return rows[0] ?? null;
  }

  /**
   * Gives the lease back and says when recovery should look next: at the
   * deadline while trying, after `retryDelayMs` while phase 2 is unfinished.
   * Does nothing when `owner` no longer holds the lease.
   */
  async releaseLease(
    manager: EntityManager,
    id: string,
    owner: string,
    retryDelayMs: number,
  ): Promise<void> {
    const now = this.clock.now;
    await this.writes.run(
      manager,
      `UPDATE transactions
       SET lease_owner = NULL, lease_until = NULL,
         next_attempt_at = CASE WHEN status = '${TransactionStatus.Trying}' THEN deadline
           ELSE ${now} + $3 * interval '1 millisecond' END
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner, retryDelayMs],
    );
  }

  /**
   * Ends every lease `owner` holds, so other coordinators take over at once
   * (shutdown): a decided transaction still leased was interrupted, so its
   * phase 2 is due now; a trying one stays due at its deadline.
   */
  async releaseAllLeases(manager: EntityManager, owner: string): Promise<number> {
    const now = this.clock.now;
    const result = await runSql(
      manager,
      `UPDATE transactions
       SET lease_until = ${now},
         next_attempt_at = CASE WHEN status IN ${PHASE_TWO} THEN ${now} ELSE next_attempt_at END
       WHERE lease_owner = $1`,
      [owner],
    );
    return result.rowCount;
  }
}
