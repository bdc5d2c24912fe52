import { defineAction, refuse } from '@app/participant';
import { insertPendingOrder, settleOrder } from '../orders/orders.repository';
import { insertReservation, settleReservation } from '../reservations/reservations.repository';
import { releaseReserved, reserveStock, sellReserved, skuExists } from '../stock/stock.repository';
import { insufficientStock, orderExists, unknownSku } from './refusals';
import { reserveMany } from './reserve-batch';
import { ReservePayload } from './reserve.payload';

/**
 * `reserve {sku, quantity, orderId?}`: try moves the units from available to
 * reserved (and opens the order PENDING), confirm sells them (order PAID),
 * cancel puts them back (order CANCELLED). Everything of one phase commits in
 * the barrier's local transaction; batched tries of one SKU share one.
 */
export const reserveAction = defineAction({
  name: 'reserve',
  payload: ReservePayload,

  async try({ manager, payload, transactionId, branchId }) {
    const { sku, quantity } = payload;
    if (!(await reserveStock(manager, sku, quantity))) {
      const refusal = (await skuExists(manager, sku))
        ? insufficientStock(sku, quantity)
        : unknownSku(sku);
      refuse(refusal.code, refusal.detail);
    }
    const orderId = payload.orderId ?? null;
    if (orderId !== null) {
      const order = { id: orderId, sku, quantity, transactionId, branchId };
      // A refusal here also undoes the stock change above: the barrier rolls back to its savepoint.
      if (!(await insertPendingOrder(manager, order))) {
        const refusal = orderExists(orderId);
        refuse(refusal.code, refusal.detail);
      }
    }
    await insertReservation(manager, { transactionId, branchId }, { sku, quantity, orderId });
  },

  // Tries of one SKU queue together and apply in batches (unless TCC_HOT_SKU_BATCHING=false).
  batch: { key: (payload) => payload.sku, tryMany: reserveMany },

  async confirm({ manager, transactionId, branchId }) {
    const held = await settleReservation(manager, { transactionId, branchId }, 'CONFIRMED');
    // Not HELD: a racing cancel released it first, and there is nothing left to sell.
    if (held === null) return;
    await sellReserved(manager, held.sku, held.quantity);
    if (held.orderId !== null) await settleOrder(manager, held.orderId, 'PAID');
  },

  async cancel({ manager, transactionId, branchId }) {
    const held = await settleReservation(manager, { transactionId, branchId }, 'CANCELLED');
    if (held === null) return;
    await releaseReserved(manager, held.sku, held.quantity);
    if (held.orderId !== null) await settleOrder(manager, held.orderId, 'CANCELLED');
  },
});
