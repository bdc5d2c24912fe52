import type { EntityManager } from 'typeorm';
import { refuse } from '@app/participant';
import { ErrorCode } from '@app/protocol';
import { accountExists } from '../ledger/accounts.repository';

/** Codes of the account participant's try refusals (409 `code`). */
export const AccountRefusal = {
  InsufficientFunds: ErrorCode.InsufficientFunds,
  UnknownAccount: 'UNKNOWN_ACCOUNT',
  LimitExceeded: 'AMOUNT_LIMIT_EXCEEDED',
} as const;

/**
 * Refuses a try whose guarded UPDATE changed no row: because the account
 * does not exist, or else for the guard's own reason.
 */
export async function refuseTry(
  manager: EntityManager,
  accountId: string,
  code: string,
  detail: string,
): Promise<never> {
  if (!(await accountExists(manager, accountId))) {
    refuse(AccountRefusal.UnknownAccount, `Account ${accountId} does not exist.`);
  }
  refuse(code, detail);
}
