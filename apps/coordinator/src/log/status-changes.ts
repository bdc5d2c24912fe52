import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, TransactionStatus, isFinalTransactionStatus } from '@app/protocol';
import {
  BranchCalls,
  NO_CALLS,
  canTransition,
  decisionOf,
  flaggableStatuses,
  owedBranchStatuses,
} from '../domain/state-machine';
import { RECORDED_EVENTS, RECORDED_JSON, RecordedCall, openCte, recordedCte } from './branch-calls';
import { LogClock } from './log-clock';
import { LogWrites } from './log-writes';
import type { CancelReason, TransactionRecord } from '../domain/records';
import { transactionColumns } from './columns';

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

/** Setting one of a transaction's flags, with what its event records. */
export type FlagChange =
  /** A branch failed phase 2 too often: a person must look. */
  | { id: string; flag: 'stuck'; branchId: string; error: string }
  /** A person settled the transaction by hand: nobody calls its participants again. */
  | { id: string; flag: 'resolved'; note: string };

/** A status change together with the branch calls recorded in its statement. */
export interface StatusChangeResult {
  /** The transaction after the change; null when another writer changed the status first. */
  record: TransactionRecord | null;
  /** The branches the calls changed (a call on a branch someone else settled records nothing). */
  recorded: RecordedCall[];
}

/**
 * The single place where a transaction's status or flags change, by the
 * rules of `domain/state-machine`. Every change is
 * `UPDATE … WHERE id = $1 AND status = $old AND NOT resolved` plus its
 * guard, and writes its event in the same statement; `null` means another
 * writer changed the transaction first (or a person resolved it), and the
 * caller must re-read and follow what is stored.
 * The branch calls that lead to a change (the tries before a decision, the
 * phase-2 calls before the end) can be recorded in that same statement,
 * their events before the change's: one round trip and one commit instead
 * of one per call, with the same guarantees, since the guards count those
 * calls as recorded.
 */
@Injectable()
export class StatusChanges {
  constructor(
    private readonly clock: LogClock,
    private readonly writes: LogWrites,
  ) {}

  async casStatus(manager: EntityManager, change: StatusChange): Promise<TransactionRecord | null> {
    return (await this.casStatusRecording(manager, change, NO_CALLS)).record;
  }

  /** {@link casStatus}, recording `calls` on the transaction's branches in the same statement. */
  async casStatusRecording(
    manager: EntityManager,
    change: StatusChange,
    calls: BranchCalls,
  ): Promise<StatusChangeResult> {
    if (!canTransition(change.from, change.to)) {
      throw new Error(`Illegal transition ${change.from} → ${change.to} for ${change.id}`);
    }
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
    const { rows } = await this.writes.run<TransactionRecord & { recordedCalls: RecordedCall[] }>(
      manager,
      `WITH ${openCte('$1::uuid')}, ${recordedCte(calls, '$1', now, param)},
       changed AS (
         UPDATE transactions SET ${sets.join(', ')}
         WHERE id = $1 AND status = $2 AND NOT resolved AND EXISTS (SELECT 1 FROM open)
           ${this.guardSql(change, param)}
         RETURNING ${transactionColumns(now)}
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT e.transaction_id, ${now}, e.type, e.branch_id, e.detail FROM (
           ${RECORDED_EVENTS}
           UNION ALL
           SELECT id, $4, NULL, ${detail}::jsonb, 9223372036854775807 FROM changed
         ) e ORDER BY e.ord
       )
       SELECT changed.*, ${RECORDED_JSON} AS "recordedCalls"
       FROM (VALUES (1)) AS one (x) LEFT JOIN changed ON true`,
      params,
    );
    const { recordedCalls, ...record } = rows[0];
    return { record: record.id === null ? null : record, recorded: recordedCalls };
  }

  /**
   * Sets a flag where the state machine allows it. Null when it is not
   * allowed, or already set: stuck is reported by the one writer that
   * flipped it, so the alert goes out once however many notice.
   */
  async setFlag(manager: EntityManager, change: FlagChange): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    const sets =
      change.flag === 'stuck'
        ? [`stuck = true`]
        : // A resolved transaction is nobody's to work on, nor a person's to look at any more.
          [`resolved = true`, `stuck = false`, `lease_owner = NULL`, `lease_until = NULL`];
    const [branchId, detail, event] =
      change.flag === 'stuck'
        ? [change.branchId, { error: change.error }, 'STUCK']
        : [null, { note: change.note }, 'RESOLVED'];
    const { rows } = await this.writes.run<TransactionRecord>(
      manager,
      `WITH changed AS (
         UPDATE transactions SET ${sets.join(', ')}, updated_at = ${now}
         WHERE id = $1 AND status = ANY($2::text[]) AND NOT resolved AND NOT ${change.flag}
         RETURNING ${transactionColumns(now)}
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT id, ${now}, $3, $4::uuid, $5::jsonb FROM changed
       )
       SELECT * FROM changed`,
      [change.id, flaggableStatuses(change.flag), event, branchId, JSON.stringify(detail)],
    );
    return rows[0] ?? null;
  }

  private guardSql(change: StatusChange, param: (value: unknown) => string): string {
    const now = this.clock.now;
    switch (change.guard) {
      case 'none':
        return '';
      case 'all-tried-before-deadline':
        // Every branch is TRIED, counting the calls this statement records. branch_count is on the
        // row this UPDATE locks: a branch added while it waited rewrote that row, so the re-check
        // after the wait sees one branch more than this statement's snapshot can count TRIED.
        return `AND deadline > ${now} AND branch_count = (
            SELECT count(*) FROM branches b WHERE b.transaction_id = $1
              AND b.status = '${BranchStatus.Tried}'
              AND NOT EXISTS (SELECT 1 FROM recorded r WHERE r.id = b.id))
          + (SELECT count(*) FROM recorded r WHERE r.status = '${BranchStatus.Tried}')`;
      case 'deadline-passed':
        return `AND deadline <= ${now}`;
      case 'all-branches-settled': {
        const decision = decisionOf(change.from);
        if (!decision) throw new Error(`${change.from} has no branches to settle`);
        const owed = param(owedBranchStatuses(decision));
        return `AND NOT EXISTS (
          SELECT 1 FROM branches b WHERE b.transaction_id = $1 AND b.status = ANY(${owed}::text[])
            AND NOT EXISTS (SELECT 1 FROM recorded r WHERE r.id = b.id
              AND r.status <> ALL(${owed}::text[])))`;
      }
    }
  }
}
