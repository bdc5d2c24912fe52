import { TccAction, defineAction } from '@app/participant';
import { freezeFunds, spendFrozen, unfreezeFunds } from '../ledger/accounts.repository';
import { insertHold } from '../ledger/holds.repository';
import type { ShardRouter } from '../shards/shard-router';
import { AccountAmountPayload } from './account-amount.payload';
import { accountFence, refuseIfSeenBefore } from './account-fence';
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
    fence: accountFence(router),
    async try(ctx) {
      const { accountId, amount } = ctx.payload;
      const departures = await freezeFunds(ctx.manager, accountId, amount);
      if (departures === null) {
        return refuseTry(
          ctx.manager,
          accountId,
          AccountRefusal.InsufficientFunds,
          `Account ${accountId} cannot cover a debit of ${amount}.`,
        );
      }
      if (departures.length > 0) await refuseIfSeenBefore(router, ctx, departures);
      await insertHold(ctx.manager, ctx, { accountId, kind: 'debit', amount });
    },
    confirm: (ctx) => settleBranch(ctx, 'debit', 'CONFIRMED', spendFrozen),
    cancel: (ctx) => settleBranch(ctx, 'debit', 'CANCELLED', unfreezeFunds),
  });
}
