import { ErrorCode } from '@app/protocol';

/** Codes of the inventory participant's try refusals (409 `code`). */
export const InventoryRefusal = {
  InsufficientStock: ErrorCode.InsufficientStock,
  UnknownSku: 'UNKNOWN_SKU',
  OrderExists: 'ORDER_EXISTS',
} as const;

/** A try refusal: its code and the detail the coordinator shows in the transaction's reason. */
export interface Refusal {
  code: string;
  detail: string;
}

/** The refusal of a try on a SKU that does not exist. */
export function unknownSku(sku: string): Refusal {
  return { code: InventoryRefusal.UnknownSku, detail: `SKU ${sku} does not exist.` };
}

/** The refusal of a try for more units than are available. */
export function insufficientStock(sku: string, quantity: number): Refusal {
  return {
    code: InventoryRefusal.InsufficientStock,
    detail: `SKU ${sku} has fewer than ${quantity} units available.`,
  };
}

/** The refusal of a try whose order id is taken. */
export function orderExists(orderId: string): Refusal {
  return { code: InventoryRefusal.OrderExists, detail: `Order ${orderId} already exists.` };
}
