import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, TransactionStatus, isFinalTransactionStatus } from '@app/protocol';
import { canTransition, decisionOf, owedBranchStatuses } from '../tcc/state-machine';
import { LogClock } from './log-clock';
import { CancelReason, TransactionRecord, transactionColumns } from './records';
import { select } from './sql';

/** What must also hold, in the same statement, for a status change to happen. */
export type StatusGuard =
  /** Confirm: every branch TRIED and the deadline not passed. */
  | 'all-tried-before-deadline'
  /** Recovery's cancel of an abandoned transaction. */
  | 'deadline-passed'
  /** Finishing phase 2: no branch still owes a call. */
  | 'all-branches-settled'
  | 'none';

/** Who holds the transaction's lease after the change. */
export type LeaseAfter = { owner: string; ms: number } | 'release' | 'keep';

/** One compare-and-set of a transaction's status, with the event that records it. */
export interface StatusChange {
  id: string;
  from: TransactionStatus;
  to: TransactionStatus;
  guard: StatusGuard;
  lease: LeaseAfter;
  event: string;
  detail?: Record<string, unknown>;
  /** Only for a cancel decision: why. */
  reason?: CancelReason;
}

/**
 * The single place where a transaction's status changes. Every change is
 * `UPDATE … WHERE id = $1 AND status = $old` plus its guard, and writes its
 * event in the same statement; `null` means another writer changed the
 * status first, and the caller must re-read and follow what is stored.
 */
@Injectable()
export class StatusChanges {
  constructor(private readonly clock: LogClock) {}

  async casStatus(manager: EntityManager, change: StatusChange): Promise<TransactionRecord | null> {
    if (!canTransition(change.from, change.to)) {
      throw new Error(`Illegal transition ${change.from} → ${change.to} for ${change.id}`);
    }
    if (change.guard !== 'all-tried-before-deadline') return this.update(manager, change);
    return manager.transaction(async (tx) => {
      // A branch is inserted under FOR SHARE of this row; locking it first waits for those
      // inserts, and the next statement's fresh snapshot then sees every branch. A bare UPDATE
      // would keep the snapshot it took before waiting and could miss a new PENDING branch.
      // NO KEY: foreign-key checks of concurrent event inserts need not wait for it.
      await tx.query(`SELECT 1 FROM transactions WHERE id = $1 FOR NO KEY UPDATE`, [change.id]);
      return this.update(tx, change);
    });
  }

  private async update(
    manager: EntityManager,
    change: StatusChange,
  ): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    const params: unknown[] = [change.id, change.from, change.to, change.event];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const sets = [`status = $3`, `updated_at = ${now}`];
    // Stuck means a person must look now; a finished transaction needs nobody (its STUCK event stays).
    if (isFinalTransactionStatus(change.to)) sets.push(`stuck = false`);
    if (change.reason) {
      sets.push(
        `reason = ${param(change.reason.text)}`,
        `reason_code = ${param(change.reason.code)}`,
        `failed_branch_id = ${param(change.reason.branchId)}::uuid`,
      );
    }
    if (change.lease === 'release') {
      sets.push(`lease_owner = NULL`, `lease_until = NULL`);
    } else if (change.lease !== 'keep') {
      const until = `${now} + ${param(change.lease.ms)} * interval '1 millisecond'`;
      // Should this writer die holding the lease, recovery is due the moment the lease ends,
      // not at the deadline (minutes away, maybe); a writer that lives hands over with its own time.
      sets.push(
        `lease_owner = ${param(change.lease.owner)}`,
        `lease_until = ${until}`,
        `next_attempt_at = ${until}`,
      );
    }
    const detail = param(JSON.stringify(change.detail ?? null));
    const rows = await select<TransactionRecord>(
      manager,
      `WITH changed AS (
         UPDATE transactions SET ${sets.join(', ')}
         WHERE id = $1 AND status = $2 ${this.guardSql(change, param)}
         RETURNING ${transactionColumns(now)}
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT id, ${now}, $4, NULL, ${detail}::jsonb FROM changed
       )
       SELECT * FROM changed`,
      params,
    );
    return rows[0] ?? null;
  }

  private guardSql(change: StatusChange, param: (value: unknown) => string): string {
    const now = this.clock.now;
    switch (change.guard) {
      case 'none':
        return '';
      case 'all-tried-before-deadline':
        return `AND deadline > ${now} AND NOT EXISTS (
          SELECT 1 FROM branches b WHERE b.transaction_id = $1 AND b.status <> '${BranchStatus.Tried}')`;
      case 'deadline-passed':
        return `AND deadline <= ${now}`;
      case 'all-branches-settled': {
        const decision = decisionOf(change.from);
        if (!decision) throw new Error(`${change.from} has no branches to settle`);
        return `AND NOT EXISTS (
          SELECT 1 FROM branches b WHERE b.transaction_id = $1
            AND b.status = ANY(${param(owedBranchStatuses(decision))}::text[]))`;
      }
    }
  }
}
