import type { EntityManager } from 'typeorm';
import { runSql } from '@app/participant';

/** Identifies the branch a reservation belongs to. */
export interface BranchKey {
  transactionId: string;
  branchId: string;
}

/** What a try reserved: confirm and cancel act on this, never on the re-sent payload. */
export interface Reservation {
  sku: string;
  quantity: number;
  orderId: string | null;
}

/** Records the units a try reserved for its branch (the hold). */
export async function insertReservation(
  manager: EntityManager,
  branch: BranchKey,
  reservation: Reservation,
): Promise<void> {
  await runSql(
    manager,
    `INSERT INTO reservations (transaction_id, branch_id, sku, quantity, order_id, state)
     VALUES ($1, $2, $3, $4, $5, 'HELD')`,
    [
      branch.transactionId,
      branch.branchId,
      reservation.sku,
      reservation.quantity,
      reservation.orderId,
    ],
  );
}

/** Records the holds of many branches in one statement (a batch of tries). */
export async function insertReservations(
  manager: EntityManager,
  holds: readonly (BranchKey & Reservation)[],
): Promise<void> {
  if (holds.length === 0) return;
  await runSql(
    manager,
    `INSERT INTO reservations (transaction_id, branch_id, sku, quantity, order_id, state)
     SELECT r.transaction_id, r.branch_id, r.sku, r.quantity, r.order_id, 'HELD'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
       AS r(transaction_id, branch_id, sku, quantity, order_id)`,
    [
      holds.map((hold) => hold.transactionId),
      holds.map((hold) => hold.branchId),
      holds.map((hold) => hold.sku),
      holds.map((hold) => hold.quantity),
      holds.map((hold) => hold.orderId),
    ],
  );
}

/**
 * Moves the branch's reservation from HELD to `state` and returns it; null
 * when it is not HELD (already settled the other way), so confirm and cancel
 * can never both apply.
 */
export async function settleReservation(
  manager: EntityManager,
  branch: BranchKey,
  state: 'CONFIRMED' | 'CANCELLED',
): Promise<Reservation | null> {
  const { rows } = await runSql<{ sku: string; quantity: string; order_id: string | null }>(
    manager,
    `UPDATE reservations SET state = $3, updated_at = now()
     WHERE transaction_id = $1 AND branch_id = $2 AND state = 'HELD'
     RETURNING sku, quantity, order_id`,
    [branch.transactionId, branch.branchId, state],
  );
  const row = rows[0];
  return row ? { sku: row.sku, quantity: Number(row.quantity), orderId: row.order_id } : null;
}
