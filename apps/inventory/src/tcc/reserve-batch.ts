import type { EntityManager } from 'typeorm';
import type { BatchedTry, TryVerdict } from '@app/participant';
import { NewOrder, findExistingOrderIds, insertPendingOrders } from '../orders/orders.repository';
import { insertReservations } from '../reservations/reservations.repository';
import { lockAvailable, reserveStock } from '../stock/stock.repository';
import { Refusal, insufficientStock, orderExists, unknownSku } from './refusals';
import type { ReservePayload } from './reserve.payload';

const GRANTED: TryVerdict = { ok: true };
const refused = (refusal: Refusal): TryVerdict => ({ ok: false, ...refusal });

/**
 * Applies a batch of `reserve` tries of one SKU in the barrier's local
 * transaction, as if they had run one after the other in arrival order:
 * each is granted while its quantity fits in what is left (a later, smaller
 * one may still fit), unless its order id is taken. The SKU's row is locked
 * once, the units of every granted try move in ONE guarded UPDATE, and the
 * orders and reservations are inserted in one statement each. Refused
 * tries write nothing, and nothing throws for one try's sake.
 */
export async function reserveMany(
  manager: EntityManager,
  tries: BatchedTry<ReservePayload>[],
): Promise<TryVerdict[]> {
  // The batch key is the SKU, so every try of a batch names the same one.
  const sku = tries[0].payload.sku;
  const available = await lockAvailable(manager, sku);
  if (available === null) return tries.map(() => refused(unknownSku(sku)));

  const orderIds = tries.flatMap((t) =>
    t.payload.orderId === undefined ? [] : [t.payload.orderId],
  );
  const takenOrders = await findExistingOrderIds(manager, orderIds);
  const verdicts: TryVerdict[] = [];
  let left = available;
  for (const { payload } of tries) {
    const { quantity, orderId } = payload;
    // The unbatched try checks stock first, then the order: the same refusal wins here.
    if (quantity > left) verdicts.push(refused(insufficientStock(sku, quantity)));
    else if (orderId !== undefined && takenOrders.has(orderId)) {
      verdicts.push(refused(orderExists(orderId)));
    } else {
      left -= quantity;
      if (orderId !== undefined) takenOrders.add(orderId);
      verdicts.push(GRANTED);
    }
  }

  const orders: NewOrder[] = tries.flatMap((t, i) =>
    verdicts[i].ok && t.payload.orderId !== undefined
      ? [{ id: t.payload.orderId, sku, quantity: t.payload.quantity, ...key(t) }]
      : [],
  );
  const inserted = await insertPendingOrders(manager, orders);
  // An order id another process committed after the read above: that try is refused, its units stay.
  tries.forEach((t, i) => {
    const orderId = t.payload.orderId;
    if (verdicts[i].ok && orderId !== undefined && !inserted.has(orderId)) {
      verdicts[i] = refused(orderExists(orderId));
    }
  });

  const granted = tries.filter((_, i) => verdicts[i].ok);
  const total = granted.reduce((sum, t) => sum + t.payload.quantity, 0);
  // The row is locked and `total` fits in what it held, so this guarded UPDATE cannot miss.
  if (total > 0 && !(await reserveStock(manager, sku, total))) {
    throw new Error(`stock of ${sku} changed under the batch's row lock`);
  }
  await insertReservations(
    manager,
    granted.map((t) => ({
      ...key(t),
      sku,
      quantity: t.payload.quantity,
      orderId: t.payload.orderId ?? null,
    })),
  );
  return verdicts;
}

function key(t: BatchedTry<ReservePayload>): { transactionId: string; branchId: string } {
  return { transactionId: t.transactionId, branchId: t.branchId };
}
