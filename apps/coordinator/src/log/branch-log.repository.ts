import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, MAX_BRANCHES, TransactionStatus } from '@app/protocol';
import type { CallOutcome } from '../participants/call-outcome';
import { Decision, owedBranchStatuses, settledBranchStatus } from '../tcc/state-machine';
import { LogClock } from './log-clock';
import { BranchRecord, branchColumns } from './records';
import { select } from './sql';
import type { NewBranch } from './transaction-log.repository';

/** Branch status and event a try's outcome records; unknown keeps the branch PENDING. */
const TRY_OUTCOMES: Record<CallOutcome['kind'], [BranchStatus, string]> = {
  ok: [BranchStatus.Tried, 'TRY_OK'],
  refused: [BranchStatus.TryFailed, 'TRY_REFUSED'],
  unknown: [BranchStatus.Pending, 'TRY_UNKNOWN'],
};

/** What happened to a request to add a branch. */
export type AddBranchResult =
  | { kind: 'inserted'; branch: BranchRecord; deadline: Date }
  | { kind: 'existing'; branch: BranchRecord }
  | { kind: 'not-found' }
  | { kind: 'not-trying'; status: TransactionStatus }
  | { kind: 'deadline-passed' }
  | { kind: 'too-many' };

/** Writes branch rows: adding one to a trying transaction and recording call outcomes. */
@Injectable()
export class BranchLog {
  constructor(private readonly clock: LogClock) {}

  /**
   * Adds a PENDING branch while holding its transaction row FOR SHARE and
   * seeing TRYING, so a decision (which needs the row exclusively) either
   * waits for this insert and then sees the branch, or comes first and this
   * insert sees the transaction is no longer trying. Positions are unique,
   * which bounds a transaction to MAX_BRANCHES even under concurrent adds.
   */
  async insertBranchWhileTrying(
    manager: EntityManager,
    transactionId: string,
    branch: NewBranch,
    idempotencyKey: string | null,
  ): Promise<AddBranchResult> {
    const now = this.clock.now;
    return manager.transaction(async (tx): Promise<AddBranchResult> => {
      const locked = await select<{ status: TransactionStatus; open: boolean; deadline: Date }>(
        tx,
        `SELECT status, deadline, (deadline > ${now} AND NOT resolved) AS open
         FROM transactions WHERE id = $1 FOR SHARE`,
        [transactionId],
      );
      const transaction = locked[0];
      if (!transaction) return { kind: 'not-found' };
      const existing = idempotencyKey
        ? await this.findByKey(tx, transactionId, idempotencyKey)
        : null;
      if (existing) return { kind: 'existing', branch: existing };
      if (transaction.status !== TransactionStatus.Trying) {
        return { kind: 'not-trying', status: transaction.status };
      }
      if (!transaction.open) return { kind: 'deadline-passed' };
      // A concurrent add may take the same position; ON CONFLICT waits for it and we try the next.
      for (;;) {
        const [{ position }] = await select<{ position: number }>(
          tx,
          `SELECT COALESCE(MAX(position) + 1, 0)::int AS position FROM branches
           WHERE transaction_id = $1`,
          [transactionId],
        );
        if (position >= MAX_BRANCHES) return { kind: 'too-many' };
        const inserted = await select<BranchRecord>(
          tx,
          `INSERT INTO branches (id, transaction_id, position, participant, action, payload,
             status, idempotency_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, '${BranchStatus.Pending}', $7, ${now}, ${now})
           ON CONFLICT DO NOTHING
           RETURNING ${branchColumns()}`,
          [
            branch.id,
            transactionId,
            position,
            branch.participant,
            branch.action,
            branch.payload,
            idempotencyKey,
          ],
        );
        const added = inserted[0];
        if (added) {
          await tx.query(
            `INSERT INTO events (transaction_id, at, type, branch_id, detail)
             VALUES ($1, ${now}, 'BRANCH_ADDED', $2, $3)`,
            [transactionId, added.id, { participant: added.participant, action: added.action }],
          );
          return { kind: 'inserted', branch: added, deadline: transaction.deadline };
        }
        const raced = idempotencyKey
          ? await this.findByKey(tx, transactionId, idempotencyKey)
          : null;
        if (raced) return { kind: 'existing', branch: raced };
      }
    });
  }

  /**
   * Records a try's outcome on a PENDING branch: TRIED, TRY_FAILED, or still
   * PENDING with the error when the outcome is unknown. Returns false when
   * the branch was no longer PENDING (a cancel settled it meanwhile).
   */
  async recordTryOutcome(
    manager: EntityManager,
    branch: BranchRecord,
    outcome: CallOutcome,
  ): Promise<boolean> {
    const [status, event] = TRY_OUTCOMES[outcome.kind];
    const rows = await this.recordCall(manager, {
      branchId: branch.id,
      from: [BranchStatus.Pending],
      to: status,
      event,
      outcome,
      countsAttempt: false,
    });
    return rows.length > 0;
  }

  /**
   * Records one phase-2 call. Success settles the branch; a failure counts
   * an attempt and keeps the error. Returns the branch's attempts, or null
   * when it was already settled by someone else.
   */
  async recordPhaseTwoOutcome(
    manager: EntityManager,
    branch: BranchRecord,
    decision: Decision,
    outcome: CallOutcome,
  ): Promise<number | null> {
    const ok = outcome.kind === 'ok';
    const phase = decision.toUpperCase();
    const rows = await this.recordCall(manager, {
      branchId: branch.id,
      from: owedBranchStatuses(decision),
      to: ok ? settledBranchStatus(decision) : null,
      event: ok ? `${phase}_OK` : `${phase}_FAILED`,
      outcome,
      countsAttempt: true,
    });
    return rows[0]?.attempts ?? null;
  }

  private async findByKey(
    manager: EntityManager,
    transactionId: string,
    key: string,
  ): Promise<BranchRecord | null> {
    const rows = await select<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE transaction_id = $1 AND idempotency_key = $2`,
      [transactionId, key],
    );
    return rows[0] ?? null;
  }

  /** Guarded update of one branch (only from `from`) and its event, in one statement. */
  private async recordCall(
    manager: EntityManager,
    call: {
      branchId: string;
      from: BranchStatus[];
      /** Null keeps the status (a failed call). */
      to: BranchStatus | null;
      event: string;
      outcome: CallOutcome;
      countsAttempt: boolean;
    },
  ): Promise<{ attempts: number }[]> {
    const now = this.clock.now;
    const error = describeFailure(call.outcome);
    return select<{ attempts: number }>(
      manager,
      `WITH changed AS (
         UPDATE branches SET status = COALESCE($3, status), last_error = $4, updated_at = ${now},
           attempts = attempts + $5
         WHERE id = $1 AND status = ANY($2::text[])
         RETURNING id, transaction_id, attempts
       ), logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT transaction_id, ${now}, $6, id, $7::jsonb FROM changed
       )
       SELECT attempts FROM changed`,
      [
        call.branchId,
        call.from,
        call.to,
        error,
        call.countsAttempt ? 1 : 0,
        call.event,
        JSON.stringify(error === null ? null : { error }),
      ],
    );
  }
}

/** The error text a failed call leaves on its branch, or null for success. */
export function describeFailure(outcome: CallOutcome): string | null {
  switch (outcome.kind) {
    case 'ok':
      return null;
    case 'refused':
      return `${outcome.status} ${outcome.code ?? 'REFUSED'}: ${outcome.detail}`;
    case 'unknown':
      return outcome.error;
  }
}
