import type { EntityManager } from 'typeorm';
import { runSql } from '@app/participant';

/** Status of an order: PENDING while its reservation is held, then PAID or CANCELLED. */
export type OrderStatus = 'PENDING' | 'PAID' | 'CANCELLED';

/** An order as `GET /orders/:id` shows it. */
export interface OrderView {
  id: string;
  sku: string;
  quantity: number;
  status: OrderStatus;
}

/** The order a try creates, owned by the branch that created it. */
export interface NewOrder {
  id: string;
  sku: string;
  quantity: number;
  transactionId: string;
  branchId: string;
}

/** Inserts a PENDING order; false when an order with that id already exists. */
export async function insertPendingOrder(
  manager: EntityManager,
  order: NewOrder,
): Promise<boolean> {
  const { rowCount } = await runSql(
    manager,
    `INSERT INTO orders (id, sku, quantity, status, transaction_id, branch_id)
     VALUES ($1, $2, $3, 'PENDING', $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [order.id, order.sku, order.quantity, order.transactionId, order.branchId],
  );
  return rowCount === 1;
}

/** The ids among `ids` that already name an order. */
export async function findExistingOrderIds(
  manager: EntityManager,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await runSql<{ id: string }>(
    manager,
    'SELECT id FROM orders WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Inserts PENDING orders in one statement, in the order given (callers sort
 * by id, so concurrent inserts of shared ids cannot wait on each other in a
 * cycle), skipping ids that exist; returns the ids it inserted.
 */
export async function insertPendingOrders(
  manager: EntityManager,
  orders: readonly NewOrder[],
): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const { rows } = await runSql<{ id: string }>(
    manager,
    `INSERT INTO orders (id, sku, quantity, status, transaction_id, branch_id)
     SELECT o.id, o.sku, o.quantity, 'PENDING', o.transaction_id, o.branch_id
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
       WITH ORDINALITY AS o(id, sku, quantity, transaction_id, branch_id, n)
     ORDER BY o.n
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      orders.map((order) => order.id),
      orders.map((order) => order.sku),
      orders.map((order) => order.quantity),
      orders.map((order) => order.transactionId),
      orders.map((order) => order.branchId),
    ],
  );
  return new Set(rows.map((row) => row.id));
}

/** Settles a PENDING order as PAID or CANCELLED. */
export async function settleOrder(
  manager: EntityManager,
  id: string,
  status: Exclude<OrderStatus, 'PENDING'>,
): Promise<void> {
  await runSql(
    manager,
    `UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
    [id, status],
  );
}

/** Reads one order, or null. */
export async function findOrder(manager: EntityManager, id: string): Promise<OrderView | null> {
  const { rows } = await runSql<{ id: string; sku: string; quantity: string; status: OrderStatus }>(
    manager,
    'SELECT id, sku, quantity, status FROM orders WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row
    ? { id: row.id, sku: row.sku, quantity: Number(row.quantity), status: row.status }
    : null;
}
