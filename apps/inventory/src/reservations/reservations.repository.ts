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
