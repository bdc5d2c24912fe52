import { defineAction, refuse } from '@app/participant';
import { insertPendingOrder, settleOrder } from '../orders/orders.repository';
import { insertReservation, settleReservation } from '../reservations/reservations.repository';
import { releaseReserved, reserveStock, sellReserved, skuExists } from '../stock/stock.repository';
import { InventoryRefusal } from './refusals';
import { ReservePayload } from './reserve.payload';

/**
 * `reserve {sku, quantity, orderId?}`: try moves the units from available to
 * reserved (and opens the order PENDING), confirm sells them (order PAID),
 * cancel puts them back (order CANCELLED). Everything of one phase commits in
 * the barrier's local transaction.
 */
export const reserveAction = defineAction({
  name: 'reserve',
  payload: ReservePayload,

  async try({ manager, payload, transactionId, branchId }) {
    const { sku, quantity } = payload;
    if (!(await reserveStock(manager, sku, quantity))) {
      if (!(await skuExists(manager, sku))) {
        refuse(InventoryRefusal.UnknownSku, `SKU ${sku} does not exist.`);
      }
      refuse(
        InventoryRefusal.InsufficientStock,
        `SKU ${sku} has fewer than ${quantity} units available.`,
      );
    }
    const orderId = payload.orderId ?? null;
    if (orderId !== null) {
      const order = { id: orderId, sku, quantity, transactionId, branchId };
      // A refusal here also undoes the stock change above: the barrier rolls back to its savepoint.
      if (!(await insertPendingOrder(manager, order))) {
        refuse(InventoryRefusal.OrderExists, `Order ${orderId} already exists.`);
      }
    }
    await insertReservation(manager, { transactionId, branchId }, { sku, quantity, orderId });
  },

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
