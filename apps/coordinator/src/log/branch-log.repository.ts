import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, MAX_BRANCHES, TransactionStatus } from '@app/protocol';
import type { BranchCalls } from '../domain/state-machine';
import { RECORDED_EVENTS, RECORDED_JSON, RecordedCall, openCte, recordedCte } from './branch-calls';
import { LogClock } from './log-clock';
import { LogWrites } from './log-writes';
import type { BranchRecord } from '../domain/records';
import { branchColumns } from './columns';
import { runSql } from '@app/database';
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
  constructor(
    private readonly clock: LogClock,
    private readonly writes: LogWrites,
  ) {}

  /**
   * Adds a PENDING branch while holding its transaction row locked and
   * seeing TRYING, and counts it in the row's `branch_count`. Rewriting the
   * row is what makes a racing confirm safe: its CAS, blocked on this row,
   * re-checks the new version after this commits and finds more branches
   * than it counted TRIED; a decision that came first leaves this insert
   * seeing a transaction no longer trying. The count is also the new
   * branch's position, which bounds a transaction to MAX_BRANCHES.
   */
  async insertBranchWhileTrying(
    manager: EntityManager,
    transactionId: string,
    branch: NewBranch,
    idempotencyKey: string | null,
  ): Promise<AddBranchResult> {
    const now = this.clock.now;
    return manager.transaction(async (tx): Promise<AddBranchResult> => {
      const { rows: locked } = await runSql<{
        status: TransactionStatus;
        open: boolean;
        deadline: Date;
        branchCount: number;
      }>(
        tx,
        `SELECT status, deadline, branch_count AS "branchCount",
           (deadline > ${now} AND NOT resolved) AS open
         FROM transactions WHERE id = $1 FOR NO KEY UPDATE`,
        [transactionId],
      );
      const transaction = locked[0];
      if (!transaction) return { kind: 'not-found' };
      // Read after the lock: an add of the same key that held it before has committed by now.
      const existing = idempotencyKey
        ? await this.findByKey(tx, transactionId, idempotencyKey)
        : null;
      if (existing) return { kind: 'existing', branch: existing };
      if (transaction.status !== TransactionStatus.Trying) {
        return { kind: 'not-trying', status: transaction.status };
      }
      if (!transaction.open) return { kind: 'deadline-passed' };
      if (transaction.branchCount >= MAX_BRANCHES) return { kind: 'too-many' };
      const { rows: added } = await runSql<BranchRecord>(
        tx,
        `WITH counted AS (
           UPDATE transactions SET branch_count = branch_count + 1 WHERE id = $2
         ), added AS (
           INSERT INTO branches (id, transaction_id, position, participant, action, payload,
             status, idempotency_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, '${BranchStatus.Pending}', $7, ${now}, ${now})
           RETURNING ${branchColumns()}
         ), logged AS (
           INSERT INTO events (transaction_id, at, type, branch_id, detail)
           SELECT $2, ${now}, 'BRANCH_ADDED', id, $8::jsonb FROM added
         )
         SELECT * FROM added`,
        [
          branch.id,
          transactionId,
          transaction.branchCount,
          branch.participant,
          branch.action,
          branch.payload,
          idempotencyKey,
          { participant: branch.participant, action: branch.action },
        ],
      );
      return { kind: 'inserted', branch: added[0], deadline: transaction.deadline };
    });
  }

  /**
   * Records calls to branches of one transaction, with their events, in one
   * statement; returns the branches changed (a branch settled meanwhile by
   * someone else, e.g. a cancel, is left as it is and not returned).
   */
  async recordCalls(
    manager: EntityManager,
    transactionId: string,
    calls: BranchCalls,
  ): Promise<RecordedCall[]> {
    if (calls.calls.length === 0) return [];
    const now = this.clock.now;
    const params: unknown[] = [transactionId];
    const param = (value: unknown): string => `$${params.push(value)}`;
    const { rows } = await this.writes.run<{ recorded: RecordedCall[] }>(
      manager,
      `WITH ${openCte('$1::uuid')}, ${recordedCte(calls, '$1::uuid', now, param)},
       logged AS (
         INSERT INTO events (transaction_id, at, type, branch_id, detail)
         SELECT e.transaction_id, ${now}, e.type, e.branch_id, e.detail
         FROM (${RECORDED_EVENTS}) e ORDER BY e.ord
       )
       SELECT ${RECORDED_JSON} AS recorded`,
      params,
    );
    return rows[0].recorded;
  }

  private async findByKey(
    manager: EntityManager,
    transactionId: string,
    key: string,
  ): Promise<BranchRecord | null> {
    const { rows } = await runSql<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE transaction_id = $1 AND idempotency_key = $2`,
      [transactionId, key],
    );
    return rows[0] ?? null;
  }
}
