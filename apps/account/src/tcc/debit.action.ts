import { TccAction, defineAction } from '@app/participant';
import { freezeFunds, spendFrozen, unfreezeFunds } from '../ledger/accounts.repository';
import { insertHold } from '../ledger/holds.repository';
import type { ShardRouter } from '../shards/shard-router';
import { AccountAmountPayload } from './account-amount.payload';
import { AccountRefusal, refuseTry } from './refusals';
import { settleBranch } from './settle';

/**
 * `debit {accountId, amount}`: try freezes the amount out of the balance,
 * confirm lets the frozen amount go, cancel returns it to the balance. The
 * barrier and the account rows live in the account's shard.
 */
export function debitAction(router: ShardRouter): TccAction<AccountAmountPayload> {
  return defineAction({
    name: 'debit',
    payload: AccountAmountPayload,
    dataSource: (payload) => router.dataSourceFor(payload.accountId),
    async try(ctx) {
      const { accountId, amount } = ctx.payload;
      if (!(await freezeFunds(ctx.manager, accountId, amount))) {
        await refuseTry(
          ctx.manager,
          accountId,
          AccountRefusal.InsufficientFunds,
          `Account ${accountId} cannot cover a debit of ${amount}.`,
        );
      }
      await insertHold(ctx.manager, ctx, { accountId, kind: 'debit', amount });
    },
    confirm: (ctx) => settleBranch(ctx, 'debit', 'CONFIRMED', spendFrozen),
    cancel: (ctx) => settleBranch(ctx, 'debit', 'CANCELLED', unfreezeFunds),
  });
}
