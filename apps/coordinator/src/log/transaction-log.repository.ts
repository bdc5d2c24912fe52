import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, TransactionStatus } from '@app/protocol';
import { Decision, owedBranchStatuses } from '../tcc/state-machine';
import { LogClock } from './log-clock';
import {
  BranchRecord,
  CallTarget,
  TransactionRecord,
  branchColumns,
  transactionColumns,
} from './records';
import { select } from './sql';

/** A branch about to be logged. */
export interface NewBranch {
  id: string;
  participant: string;
  action: string;
  payload: Record<string, unknown>;
}

/** A transaction about to be logged, with its first branches. */
export interface NewTransaction {
  id: string;
  timeoutMs: number;
  autoCommit: boolean;
  idempotencyKey: string | null;
  requestHash: string | null;
  branches: NewBranch[];
  /** The creating request holds the lease until it answers. */
  leaseOwner: string;
  leaseMs: number;
}

/** Writes and reads transactions and their branches in the log. */
@Injectable()
export class TransactionLog {
  constructor(private readonly clock: LogClock) {}

  /**
   * Logs the transaction and its PENDING branches in one local transaction,
   * committed before any try is sent (write-ahead). Returns null, writing
   * nothing, when the idempotency key is already taken; ON CONFLICT waits
   * for a concurrent insert of the same key instead of failing, so the
   * caller can read the winner right after.
   */
  async insertTransactionWithBranches(
    manager: EntityManager,
    input: NewTransaction,
  ): Promise<TransactionRecord | null> {
    const now = this.clock.now;
    return manager.transaction(async (tx) => {
      const inserted = await select<TransactionRecord>(
        tx,
        `INSERT INTO transactions (id, status, deadline, next_attempt_at, auto_commit,
           idempotency_key, request_hash, lease_owner, lease_until, created_at, updated_at)
         VALUES ($1, '${TransactionStatus.Trying}', ${now} + $2 * interval '1 millisecond',
           ${now} + $2 * interval '1 millisecond', $3, $4, $5, $6,
           ${now} + $7 * interval '1 millisecond', ${now}, ${now})
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING ${transactionColumns(now)}`,
        [
          input.id,
          input.timeoutMs,
          input.autoCommit,
          input.idempotencyKey,
          input.requestHash,
          input.leaseOwner,
          input.leaseMs,
        ],
      );
      const record = inserted[0];
      if (!record) return null;
      if (input.branches.length > 0) {
        const params: unknown[] = [input.id];
        const rows = input.branches.map((branch, position) => {
          const at = params.length;
          params.push(branch.id, position, branch.participant, branch.action, branch.payload);
          return `($${at + 1}::uuid, $1::uuid, $${at + 2}::int, $${at + 3}, $${at + 4},
            $${at + 5}::jsonb, '${BranchStatus.Pending}', ${now}, ${now})`;
        });
        await tx.query(
          `INSERT INTO branches (id, transaction_id, position, participant, action, payload,
             status, created_at, updated_at)
           VALUES ${rows.join(', ')}`,
          params,
        );
      }
      await tx.query(
        `INSERT INTO events (transaction_id, at, type, detail) VALUES ($1, ${now}, 'BEGIN', $2)`,
        [input.id, { autoCommit: input.autoCommit, branches: input.branches.length }],
      );
      return record;
    });
  }

  /** The transaction, or null when no such id is logged. */
  async findTransaction(manager: EntityManager, id: string): Promise<TransactionRecord | null> {
    const rows = await select<TransactionRecord>(
      manager,
      `SELECT ${transactionColumns(this.clock.now)} FROM transactions WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The transaction created with this idempotency key, with the hash of its request body. */
  async findByIdempotencyKey(
    manager: EntityManager,
    key: string,
  ): Promise<{ record: TransactionRecord; requestHash: string | null } | null> {
    const rows = await select<TransactionRecord & { requestHash: string | null }>(
      manager,
      `SELECT ${transactionColumns(this.clock.now)}, request_hash AS "requestHash"
       FROM transactions WHERE idempotency_key = $1`,
      [key],
    );
    const row = rows[0];
    if (!row) return null;
    const { requestHash, ...record } = row;
    return { record, requestHash };
  }

  /** Branches of a transaction in the order they were added. */
  async findBranches(manager: EntityManager, transactionId: string): Promise<BranchRecord[]> {
    return select<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE transaction_id = $1 ORDER BY position`,
      [transactionId],
    );
  }

  /** One branch, or null. */
  async findBranch(manager: EntityManager, id: string): Promise<BranchRecord | null> {
    const rows = await select<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The given branches with their participant's current address, ready to be called. */
  async findCallTargets(manager: EntityManager, branchIds: string[]): Promise<CallTarget[]> {
    return select<CallTarget>(
      manager,
      `SELECT ${branchColumns('b')}, p.base_url AS "baseUrl"
       FROM branches b JOIN participants p ON p.name = b.participant
       WHERE b.id = ANY($1::uuid[]) ORDER BY b.position`,
      [branchIds],
    );
  }

  /**
   * Branches that still owe a phase-2 call under `decision`. Read only after
   * the decision committed, so a branch added just before it is included.
   */
  async findOwedCalls(
    manager: EntityManager,
    transactionId: string,
    decision: Decision,
  ): Promise<CallTarget[]> {
    return select<CallTarget>(
      manager,
      `SELECT ${branchColumns('b')}, p.base_url AS "baseUrl"
       FROM branches b JOIN participants p ON p.name = b.participant
       WHERE b.transaction_id = $1 AND b.status = ANY($2::text[]) ORDER BY b.position`,
      [transactionId, owedBranchStatuses(decision)],
    );
  }
}
