import type { EntityManager } from 'typeorm';
import type { Phase } from '@app/protocol';
import { runSql } from './sql';

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
  const { rowCount } = await runSql(
    manager,
    `INSERT INTO tcc_barrier (transaction_id, branch_id, phase, outcome, detail)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [
      key.transactionId,
      key.branchId,
      phase,
      outcome,
      detail === null ? null : JSON.stringify(detail),
    ],
  );
  return rowCount === 1;
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
    [
      key.transactionId,
      key.branchId,
      phase,
      outcome,
      detail === null ? null : JSON.stringify(detail),
    ],
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
  const { rows } = await runSql<StoredTry>(
    manager,
    `SELECT outcome, detail FROM tcc_barrier
     WHERE transaction_id = $1 AND branch_id = $2 AND phase = 'try'
     FOR UPDATE`,
    [key.transactionId, key.branchId],
  );
  return rows[0] ?? null;
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
