import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BranchStatus, TransactionStatus } from '@app/protocol';
import { Decision, owedBranchStatuses } from '../domain/state-machine';
import { LogClock } from './log-clock';
import { LogWrites } from './log-writes';
import type { BranchRecord, CallTarget, TransactionRecord } from '../domain/records';
import { branchColumns, transactionColumns } from './columns';
import { runSql } from '@app/database';

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
  /** Who started it: the API key's name, or `admin`. */
  caller: string;
  /** The W3C `traceparent` of the span that begins it; null when tracing is off. */
  traceParent: string | null;
  branches: NewBranch[];
  /** The creating request holds the lease until it answers. */
  leaseOwner: string;
  leaseMs: number;
}

/** What logging a new transaction did. */
export type BeginResult =
  | { logged: true; record: TransactionRecord; targets: CallTarget[] }
  /** Nothing written: the idempotency key is taken, or a participant or action is not registered. */
  | { logged: false };

/** What a repeated Idempotency-Key refers to. */
export type KeyUse =
  /** The transaction created with the key, still in the log. */
  | { kind: 'logged'; record: TransactionRecord; requestHash: string | null }
  /** Its transaction was purged by retention; the key's record keeps how it ended. */
  | {
      kind: 'purged';
      transactionId: string;
      finalStatus: TransactionStatus;
      requestHash: string | null;
    };

/** Writes and reads transactions and their branches in the log. */
@Injectable()
export class TransactionLog {
  constructor(
    private readonly clock: LogClock,
    private readonly writes: LogWrites,
  ) {}

  /**
   * Logs the transaction, its PENDING branches and its BEGIN event in one
   * statement, committed before any try is sent (write-ahead), and returns
   * the branches ready to be called. Writes nothing when the idempotency key
   * is taken or a branch names a participant or action that is not
   * registered. The key is claimed in `idempotency_keys`, which outlives
   * the transaction (so purging it does not free the key); ON CONFLICT
   * waits for a concurrent claim of the same key instead of failing, so the
   * caller can read the winner right after.
   */
  async insertTransactionWithBranches(
    manager: EntityManager,
    input: NewTransaction,
  ): Promise<BeginResult> {
    const now = this.clock.now;
    const { branches } = input;
    const { rows } = await this.writes.run<
      TransactionRecord & { baseUrls: Record<string, string> | null }
    >(
      manager,
      `WITH given AS (
         SELECT * FROM unnest($8::uuid[], $9::text[], $10::text[], $11::jsonb[])
           WITH ORDINALITY AS g(id, participant, action, payload, n)
       ), known AS (
         SELECT g.*, p.base_url FROM given g
         JOIN participants p ON p.name = g.participant AND g.action = ANY(p.actions)
       ), claimed AS (
         INSERT INTO idempotency_keys (key, request_hash, transaction_id, created_at)
         SELECT $4, $5, $1, ${now}
         WHERE $4::text IS NOT NULL AND (SELECT count(*) FROM known) = $12::int
         ON CONFLICT (key) DO NOTHING
         RETURNING key
       ), logged AS (
         INSERT INTO transactions (id, status, deadline, next_attempt_at, auto_commit,
           idempotency_key, request_hash, lease_owner, lease_until, branch_count, caller,
           trace_parent, created_at, updated_at)
         SELECT $1, '${TransactionStatus.Trying}', ${now} + $2 * interval '1 millisecond',
           ${now} + $2 * interval '1 millisecond', $3, $4, $5, $6,
           ${now} + $7 * interval '1 millisecond', $12::int, $14, $15, ${now}, ${now}
         WHERE (SELECT count(*) FROM known) = $12::int
           AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM claimed))
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING ${transactionColumns(now)}
       ), branched AS (
         INSERT INTO branches (id, transaction_id, position, participant, action, payload,
           status, created_at, updated_at)
         SELECT k.id, l.id, k.n - 1, k.participant, k.action, k.payload,
           '${BranchStatus.Pending}', ${now}, ${now}
         FROM known k CROSS JOIN logged l
       ), begun AS (
         INSERT INTO events (transaction_id, at, type, detail)
         SELECT id, ${now}, 'BEGIN', $13::jsonb FROM logged
       )
       SELECT l.*, (SELECT json_object_agg(k.participant, k.base_url) FROM known k) AS "baseUrls"
       FROM logged l`,
      [
        input.id,
        input.timeoutMs,
        input.autoCommit,
        input.idempotencyKey,
        input.requestHash,
        input.leaseOwner,
        input.leaseMs,
        branches.map((branch) => branch.id),
        branches.map((branch) => branch.participant),
        branches.map((branch) => branch.action),
        branches.map((branch) => JSON.stringify(branch.payload)),
        branches.length,
        { autoCommit: input.autoCommit, branches: branches.length, caller: input.caller },
        input.caller,
        input.traceParent,
      ],
    );
    const row = rows[0];
    if (!row) return { logged: false };
    const { baseUrls, ...record } = row;
    const targets = branches.map((branch, position): CallTarget => ({
      ...branch,
      transactionId: record.id,
      position,
      status: BranchStatus.Pending,
      attempts: 0,
      lastError: null,
      idempotencyKey: null,
      baseUrl: baseUrls?.[branch.participant] ?? '',
    }));
    return { logged: true, record, targets };
  }

  /** The transaction, or null when no such id is logged. */
  async findTransaction(manager: EntityManager, id: string): Promise<TransactionRecord | null> {
    const { rows } = await runSql<TransactionRecord>(
      manager,
      `SELECT ${transactionColumns(this.clock.now)} FROM transactions WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * What an idempotency key was used for: its transaction, or how that
   * transaction ended when retention purged it. Null when the key is free.
   * A key logged by a coordinator that predates the key records is found
   * on its transaction.
   */
  async findByIdempotencyKey(manager: EntityManager, key: string): Promise<KeyUse | null> {
    const { rows } = await runSql<{
      transactionId: string;
      requestHash: string | null;
      finalStatus: TransactionStatus | null;
    }>(
      manager,
      `SELECT COALESCE(t.id, k.transaction_id) AS "transactionId",
         COALESCE(k.request_hash, t.request_hash) AS "requestHash", k.final_status AS "finalStatus"
       FROM (SELECT $1::text AS key) q
       LEFT JOIN idempotency_keys k ON k.key = q.key
       LEFT JOIN transactions t ON t.idempotency_key = q.key
       WHERE k.key IS NOT NULL OR t.id IS NOT NULL`,
      [key],
    );
    const row = rows[0];
    if (!row) return null;
    const record = await this.findTransaction(manager, row.transactionId);
    if (record) return { kind: 'logged', record, requestHash: row.requestHash };
    if (!row.finalStatus) return null;
    return {
      kind: 'purged',
      transactionId: row.transactionId,
      finalStatus: row.finalStatus,
      requestHash: row.requestHash,
    };
  }

  /** Branches of a transaction in the order they were added. */
  async findBranches(manager: EntityManager, transactionId: string): Promise<BranchRecord[]> {
    const { rows } = await runSql<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE transaction_id = $1 ORDER BY position`,
      [transactionId],
    );
    return rows;
  }

  /** One branch, or null. */
  async findBranch(manager: EntityManager, id: string): Promise<BranchRecord | null> {
    const { rows } = await runSql<BranchRecord>(
      manager,
      `SELECT ${branchColumns()} FROM branches WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The given branches with their participant's current address, ready to be called. */
  async findCallTargets(manager: EntityManager, branchIds: string[]): Promise<CallTarget[]> {
    const { rows } = await runSql<CallTarget>(
      manager,
      `SELECT ${branchColumns('b')}, p.base_url AS "baseUrl"
       FROM branches b JOIN participants p ON p.name = b.participant
       WHERE b.id = ANY($1::uuid[]) ORDER BY b.position`,
      [branchIds],
    );
    return rows;
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
    const { rows } = await runSql<CallTarget>(
      manager,
      `SELECT ${branchColumns('b')}, p.base_url AS "baseUrl"
       FROM branches b JOIN participants p ON p.name = b.participant
       WHERE b.transaction_id = $1 AND b.status = ANY($2::text[]) ORDER BY b.position`,
      [transactionId, owedBranchStatuses(decision)],
    );
    return rows;
  }
}
