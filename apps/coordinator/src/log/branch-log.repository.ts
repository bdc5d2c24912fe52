import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, MAX_BRANCHES, TransactionStatus } from '@app/protocol';
import type { CallOutcome } from '../participants/call-outcome';
import { Decision, owedBranchStatuses, settledBranchStatus } from '../tcc/state-machine';
import { LogClock } from './log-clock';
import { BranchRecord, branchColumns } from './records';
import { select } from './sql';
import type { NewBranch } from './transaction-log.repository';

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
    const status =
      outcome.kind === 'ok'
        ? BranchStatus.Tried
        : outcome.kind === 'refused'
          ? BranchStatus.TryFailed
          : BranchStatus.Pending;
    const type =
      outcome.kind === 'ok' ? 'TRY_OK' : outcome.kind === 'refused' ? 'TRY_REFUSED' : 'TRY_UNKNOWN';
    return this.recordOutcome(
      manager,
      branch,
      [BranchStatus.Pending],
      status,
      type,
      outcome,
      false,
    );
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
    const rows = await this.recordOutcomeRows(
      manager,
      branch,
      owedBranchStatuses(decision),
      ok ? settledBranchStatus(decision) : null,
      ok ? `${phase}_OK` : `${phase}_FAILED`,
      outcome,
      true,
    );
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

  private async recordOutcome(
    manager: EntityManager,
    branch: BranchRecord,
    from: BranchStatus[],
    to: BranchStatus,
    type: string,
    outcome: CallOutcome,
    countAttempt: boolean,
  ): Promise<boolean> {
    const rows = await this.recordOutcomeRows(
      manager,
      branch,
      from,
      to,
      type,
      outcome,
      countAttempt,
    );
    return rows.length > 0;
  }

  private async recordOutcomeRows(
    manager: EntityManager,
    branch: BranchRecord,
    from: BranchStatus[],
    to: BranchStatus | null,
    type: string,
    outcome: CallOutcome,
    countAttempt: boolean,
  ): Promise<{ attempts: number }[]> {
    const now = this.clock.now;
    const error = describeFailure(outcome);
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
        branch.id,
        from,
        to,
        error,
        countAttempt ? 1 : 0,
        type,
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
