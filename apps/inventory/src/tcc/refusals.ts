import { ErrorCode } from '@app/protocol';

/** Codes of the inventory participant's try refusals (409 `code`). */
export const InventoryRefusal = {
  InsufficientStock: ErrorCode.InsufficientStock,
  UnknownSku: 'UNKNOWN_SKU',
  OrderExists: 'ORDER_EXISTS',
} as const;
