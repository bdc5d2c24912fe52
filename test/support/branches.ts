import type { BranchRequest } from '@app/protocol';

/** `account.debit`: freezes `amount` on try, takes it on confirm. */
export function debit(accountId: string, amount: unknown): BranchRequest {
  return { participant: 'account', action: 'debit', payload: { accountId, amount } };
}

/** `account.credit`: incoming on try, spendable on confirm. */
export function credit(accountId: string, amount: unknown): BranchRequest {
  return { participant: 'account', action: 'credit', payload: { accountId, amount } };
}

/** `inventory.reserve`, optionally with the order it pays for. */
export function reserve(sku: string, quantity: unknown, orderId?: string): BranchRequest {
  return {
    participant: 'inventory',
    action: 'reserve',
    payload: orderId === undefined ? { sku, quantity } : { sku, quantity, orderId },
  };
}

/** Debit `from`, credit `to`: a transfer, cross-shard when the two accounts live on different shards. */
export function transfer(from: string, to: string, amount: unknown): BranchRequest[] {
  return [debit(from, amount), credit(to, amount)];
}
