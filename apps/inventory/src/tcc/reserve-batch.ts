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
 * once; the orders of the granted tries are inserted first, in order id
 * order, so two batches sharing order ids always take them in the same
 * order and never deadlock; then the units of every granted try move in ONE
 * guarded UPDATE and the reservations are inserted in one statement.
 * Refused tries write nothing.
 *
 * An order id that another transaction committed after the read below
 * would make its try refused after its units were allotted, and later tries
 * refused for units they would have got: the batch throws instead, and its
 * tries run again one by one.
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
  const verdicts = allot(tries, available, await findExistingOrderIds(manager, orderIds));

  const orders: NewOrder[] = tries
    .flatMap((t, i) =>
      verdicts[i].ok && t.payload.orderId !== undefined
        ? [{ id: t.payload.orderId, sku, quantity: t.payload.quantity, ...key(t) }]
        : [],
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const inserted = await insertPendingOrders(manager, orders);
  if (inserted.size !== orders.length) {
    throw new Error(`an order id of the ${sku} batch was taken while the batch ran`);
  }

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

/** Grants tries in arrival order while units last and their order ids are free. */
function allot(
  tries: readonly BatchedTry<ReservePayload>[],
  available: number,
  takenOrders: Set<string>,
): TryVerdict[] {
  const sku = tries[0].payload.sku;
  let left = available;
  return tries.map(({ payload }) => {
    const { quantity, orderId } = payload;
    // The unbatched try checks stock first, then the order: the same refusal wins here.
    if (quantity > left) return refused(insufficientStock(sku, quantity));
    if (orderId !== undefined && takenOrders.has(orderId)) return refused(orderExists(orderId));
    left -= quantity;
    if (orderId !== undefined) takenOrders.add(orderId);
    return GRANTED;
  });
}

function key(t: BatchedTry<ReservePayload>): { transactionId: string; branchId: string } {
  return { transactionId: t.transactionId, branchId: t.branchId };
}
