import type { EntityManager } from 'typeorm';
import type { Phase } from '@app/protocol';
import type { Statement } from '@app/database/transaction';
import { runSql } from '@app/database/prepared';

const json = (detail: Record<string, unknown> | null): string | null =>
  detail === null ? null : JSON.stringify(detail);

/** Identifies one branch of one global transaction at a participant. */
export interface BarrierKey {
  transactionId: string;
  branchId: string;
}

/** What the try row records: 'cancelled-first' is written by an empty cancel to block a late try. */
export type TryOutcome = 'ok' | 'refused' | 'cancelled-first';

/** The try row as stored; `outcome` is null only inside the transaction that inserted it. */
export interface StoredTry {
  outcome: TryOutcome | null;
  detail: { code?: string; detail?: string } | null;
}

/**
 * Inserts a barrier row unless one exists; true when this call inserted it.
 * ON CONFLICT waits for a concurrent inserter of the same key to finish, and
 * never raises a unique violation, which would abort the local transaction.
 */
export async function insertBarrier(
  manager: EntityManager,
  key: BarrierKey,
  phase: Phase,
  outcome: string | null,
  detail: Record<string, unknown> | null = null,
): Promise<boolean> {
  const statement = insertBarrierStatement(key, phase, outcome, detail);
  return (await runSql(manager, statement.sql, statement.params)).rowCount === 1;
}

/** {@link insertBarrier} as a statement to open a transaction with; it inserted when its row count is 1. */
export function insertBarrierStatement(
  key: BarrierKey,
  phase: Phase,
  outcome: string | null,
  detail: Record<string, unknown> | null = null,
): Statement {
  return {
    sql: `INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome, detail)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    params: [key.transactionId, key.branchId, phase, outcome, json(detail)],
  };
}

/** Whether a settlement found its branch settled the other way, and whether it inserted its row. */
export interface SettlementClaim {
  blocked: boolean;
  inserted: boolean;
}

/**
 * Inserts the `phase` row of a branch with its `outcome` unless the branch
 * has a `blockedBy` row (a confirm after a cancel, a cancel after a
 * confirm), in one statement, and says which happened. Called after the try
 * row is locked, so its snapshot sees whatever was committed while the lock
 * was awaited; a concurrent settlement of the branch needs that lock too.
 */
export async function claimSettlement(
  manager: EntityManager,
  key: BarrierKey,
  phase: 'confirm' | 'cancel',
  blockedBy: 'confirm' | 'cancel',
  outcome: string,
): Promise<SettlementClaim> {
  const statement = claimSettlementStatement(key, phase, blockedBy, outcome, false);
  return (await runSql<SettlementClaim>(manager, statement.sql, statement.params)).rows[0];
}

/**
 * {@link claimSettlement} as a statement to send right behind
 * {@link lockTryStatement}; with `afterOkTry` it inserts nothing unless the
 * branch's try succeeded, so a refused confirm leaves no row behind.
 */
export function claimSettlementStatement(
  key: BarrierKey,
  phase: 'confirm' | 'cancel',
  blockedBy: 'confirm' | 'cancel',
  outcome: string,
  afterOkTry: boolean,
): Statement {
  const tryCondition = afterOkTry
    ? `AND EXISTS (SELECT 1 FROM tcc_barrier
         WHERE transaction_id = $1 AND branch_id = $2 AND phase = 'try' AND outcome = 'ok')`
    : '';
  return {
    sql: `WITH blocking AS (
       SELECT EXISTS (SELECT 1 FROM tcc_barrier
         WHERE transaction_id = $1 AND branch_id = $2 AND phase = $4) AS found
     ), claimed AS (
       INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome)
       SELECT $1, $2, $3, $5 WHERE NOT (SELECT found FROM blocking) ${tryCondition}
       ON CONFLICT DO NOTHING
       RETURNING 1
     )
     SELECT (SELECT found FROM blocking) AS blocked, EXISTS (SELECT 1 FROM claimed) AS inserted`,
    params: [key.transactionId, key.branchId, phase, blockedBy, outcome],
  };
}

/** Stores the outcome of a phase row this transaction inserted. */
export async function recordOutcome(
  manager: EntityManager,
  key: BarrierKey,
  phase: Phase,
  outcome: string,
  detail: Record<string, unknown> | null = null,
): Promise<void> {
  await runSql(
    manager,
    `UPDATE tcc_barrier SET outcome = $4, detail = $5
     WHERE transaction_id = $1 AND branch_id = $2 AND phase = $3`,
    [key.transactionId, key.branchId, phase, outcome, json(detail)],
  );
}

/** Reads the committed try row of a branch, or null when there is none. */
export async function readTry(manager: EntityManager, key: BarrierKey): Promise<StoredTry | null> {
  const { rows } = await runSql<StoredTry>(
    manager,
    `SELECT outcome, detail FROM tcc_barrier
     WHERE transaction_id = $1 AND branch_id = $2 AND phase = 'try'`,
    [key.transactionId, key.branchId],
  );
  return rows[0] ?? null;
}

/**
 * Reads the try row and locks it until the local transaction ends, so the
 * confirm and the cancel of one branch run one after the other.
 */
export async function lockTry(manager: EntityManager, key: BarrierKey): Promise<StoredTry | null> {
  const statement = lockTryStatement(key);
  return (await runSql<StoredTry>(manager, statement.sql, statement.params)).rows[0] ?? null;
}

/** {@link lockTry} as a statement to open a transaction with; its row, if any, is the try. */
export function lockTryStatement(key: BarrierKey): Statement {
  return {
    sql: `SELECT outcome, detail FROM tcc_barrier
     WHERE transaction_id = $1 AND branch_id = $2 AND phase = 'try'
     FOR UPDATE`,
    params: [key.transactionId, key.branchId],
  };
}

/** True when the branch has a committed row for `phase`. */
export async function hasBarrier(
  manager: EntityManager,
  key: BarrierKey,
  phase: Phase,
): Promise<boolean> {
  const { rowCount } = await runSql(
    manager,
    `SELECT 1 FROM tcc_barrier WHERE transaction_id = $1 AND branch_id = $2 AND phase = $3`,
    [key.transactionId, key.branchId, phase],
  );
  return rowCount > 0;
}

/** A try row a batch claims: no outcome yet for a try about to run, 'refused' for a late one. */
export interface TryClaim {
  key: BarrierKey;
  outcome: 'refused' | null;
  detail: Record<string, unknown> | null;
}

/** A try row the batch found already there, and whether the branch has a cancel row. */
export interface ExistingTry extends StoredTry {
  key: BarrierKey;
  cancelled: boolean;
}

/** A try's outcome to store on the row its batch inserted. */
export interface TryOutcomeRecord {
  key: BarrierKey;
  outcome: TryOutcome;
  detail: Record<string, unknown> | null;
}

/** `transaction_id` and `branch_id` in one string, for sets and maps of keys. */
export function keyText(key: BarrierKey): string {
  return JSON.stringify([key.transactionId, key.branchId]);
}

/**
 * Inserts the try rows of many branches in one statement, skipping those
 * that exist; its rows are the keys it inserted ({@link insertedKeys}). Like {@link insertBarrier}, ON
 * CONFLICT waits for a concurrent inserter and never raises. Callers pass
 * distinct keys in a fixed order, so two batches never wait on each other
 * in a cycle.
 */
export function insertTriesStatement(claims: readonly TryClaim[]): Statement {
  return {
    sql: `INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome, detail)
     SELECT c.transaction_id, c.branch_id, 'try', c.outcome, c.detail
     FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
       AS c(transaction_id, branch_id, outcome, detail)
     ON CONFLICT DO NOTHING
     RETURNING transaction_id, branch_id`,
    params: [
      claims.map((claim) => claim.key.transactionId),
      claims.map((claim) => claim.key.branchId),
      claims.map((claim) => claim.outcome),
      claims.map((claim) => json(claim.detail)),
    ],
  };
}

/** The keys (as {@link keyText}) of the rows {@link insertTriesStatement} inserted. */
export function insertedKeys(rows: readonly unknown[]): Set<string> {
  return new Set(
    (rows as { transaction_id: string; branch_id: string }[]).map((row) =>
      keyText({ transactionId: row.transaction_id, branchId: row.branch_id }),
    ),
  );
}

/** Reads the committed try rows of `keys`, each with whether its branch has a cancel row. */
export async function readTries(
  manager: EntityManager,
  keys: readonly BarrierKey[],
): Promise<ExistingTry[]> {
  const { rows } = await runSql<{
    transaction_id: string;
    branch_id: string;
    outcome: TryOutcome | null;
    detail: StoredTry['detail'];
    cancelled: boolean;
  }>(
    manager,
    `SELECT t.transaction_id, t.branch_id, t.outcome, t.detail,
       EXISTS (SELECT 1 FROM tcc_barrier c WHERE c.transaction_id = t.transaction_id
         AND c.branch_id = t.branch_id AND c.phase = 'cancel') AS cancelled
     FROM tcc_barrier t
     JOIN unnest($1::text[], $2::text[]) AS k(transaction_id, branch_id)
       ON t.transaction_id = k.transaction_id AND t.branch_id = k.branch_id
     WHERE t.phase = 'try'`,
    [keys.map((key) => key.transactionId), keys.map((key) => key.branchId)],
  );
  return rows.map((row) => ({
    key: { transactionId: row.transaction_id, branchId: row.branch_id },
    outcome: row.outcome,
    detail: row.detail,
    cancelled: row.cancelled,
  }));
}

/** Stores the outcomes of try rows this transaction inserted, in one statement. */
export async function recordTryOutcomes(
  manager: EntityManager,
  outcomes: readonly TryOutcomeRecord[],
): Promise<void> {
  if (outcomes.length === 0) return;
  await runSql(
    manager,
    `UPDATE tcc_barrier b SET outcome = o.outcome, detail = o.detail
     FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
       AS o(transaction_id, branch_id, outcome, detail)
     WHERE b.transaction_id = o.transaction_id AND b.branch_id = o.branch_id AND b.phase = 'try'`,
    [
      outcomes.map((o) => o.key.transactionId),
      outcomes.map((o) => o.key.branchId),
      outcomes.map((o) => o.outcome),
      outcomes.map((o) => json(o.detail)),
    ],
  );
}
