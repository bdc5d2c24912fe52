import type { EntityManager } from 'typeorm';
import { runSql } from '@app/participant';

/** A SKU's stock as `GET /stock/:sku` shows it. */
export interface StockView {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

interface StockRow {
  sku: string;
  available: string;
  reserved: string;
  sold: string;
}

// pg returns bigint as text; every column is bounded to 2^53−1, so Number() is exact.
const toView = (row: StockRow): StockView => ({
  sku: row.sku,
  available: Number(row.available),
  reserved: Number(row.reserved),
  sold: Number(row.sold),
});

const COLUMNS = 'sku, available, reserved, sold';

/** Creates a SKU with `available` units; null when the SKU already exists. */
export async function createSku(
  manager: EntityManager,
  sku: string,
  available: number,
): Promise<StockView | null> {
  const { rows } = await runSql<StockRow>(
    manager,
    `INSERT INTO stock (sku, available) VALUES ($1, $2)
     ON CONFLICT (sku) DO NOTHING
     RETURNING ${COLUMNS}`,
    [sku, available],
  );
  return rows[0] ? toView(rows[0]) : null;
}

/**
 * Adds `quantity` available units unless the SKU's total would pass 2^53−1;
 * null when no row changed (no such SKU, or the limit).
 */
export async function addStock(
  manager: EntityManager,
  sku: string,
  quantity: number,
): Promise<StockView | null> {
  const { rows } = await runSql<StockRow>(
    manager,
    `UPDATE stock SET available = available + $2, updated_at = now()
     WHERE sku = $1 AND available + reserved + sold + $2 <= 9007199254740991
     RETURNING ${COLUMNS}`,
    [sku, quantity],
  );
  return rows[0] ? toView(rows[0]) : null;
}

/** Reads one SKU's stock, or null. */
export async function findStock(manager: EntityManager, sku: string): Promise<StockView | null> {
  const { rows } = await runSql<StockRow>(manager, `SELECT ${COLUMNS} FROM stock WHERE sku = $1`, [
    sku,
  ]);
  return rows[0] ? toView(rows[0]) : null;
}

/** True when the SKU exists. */
export async function skuExists(manager: EntityManager, sku: string): Promise<boolean> {
  const { rowCount } = await runSql(manager, 'SELECT 1 FROM stock WHERE sku = $1', [sku]);
  return rowCount > 0;
}

/**
 * Reads a SKU's available units and locks its row until the local
 * transaction ends, so a batch of reservations can decide who gets what
 * before its one guarded UPDATE; null when the SKU does not exist. NO KEY:
 * orders and reservations referencing the SKU need not wait for it.
 */
export async function lockAvailable(manager: EntityManager, sku: string): Promise<number | null> {
  const { rows } = await runSql<{ available: string }>(
    manager,
    'SELECT available FROM stock WHERE sku = $1 FOR NO KEY UPDATE',
    [sku],
  );
  return rows[0] ? Number(rows[0].available) : null;
}

/**
 * Moves `quantity` from available to reserved if that much is available: the
 * compare-and-set that makes overselling impossible without holding locks
 * across network calls. False when no row changed.
 */
export async function reserveStock(
  manager: EntityManager,
  sku: string,
  quantity: number,
): Promise<boolean> {
  const { rowCount } = await runSql(
    manager,
    `UPDATE stock SET available = available - $2, reserved = reserved + $2, updated_at = now()
     WHERE sku = $1 AND available >= $2`,
    [sku, quantity],
  );
  return rowCount === 1;
}

/** Moves `quantity` from reserved to sold (a confirmed reservation). */
export async function sellReserved(
  manager: EntityManager,
  sku: string,
  quantity: number,
): Promise<void> {
  const { rowCount } = await runSql(
    manager,
    `UPDATE stock SET reserved = reserved - $2, sold = sold + $2, updated_at = now()
     WHERE sku = $1 AND reserved >= $2`,
    [sku, quantity],
  );
  assertOneRow(rowCount, sku, quantity);
}

/** Moves `quantity` from reserved back to available (a cancelled reservation). */
export async function releaseReserved(
  manager: EntityManager,
  sku: string,
  quantity: number,
): Promise<void> {
  const { rowCount } = await runSql(
    manager,
    `UPDATE stock SET reserved = reserved - $2, available = available + $2, updated_at = now()
     WHERE sku = $1 AND reserved >= $2`,
    [sku, quantity],
  );
  assertOneRow(rowCount, sku, quantity);
}

// A HELD reservation always has its quantity in `reserved`; anything else is a bug that must roll back, not be papered over.
function assertOneRow(rowCount: number, sku: string, quantity: number): void {
  if (rowCount !== 1) {
    throw new Error(
      `stock of ${sku} does not hold the ${quantity} reserved units of a reservation`,
    );
  }
}
