import { TccAction, defineAction } from '@app/participant';
import { acceptIncoming, dropIncoming, expectIncoming } from '../ledger/accounts.repository';
import { insertHold } from '../ledger/holds.repository';
import type { ShardRouter } from '../shards/shard-router';
import { AccountAmountPayload } from './account-amount.payload';
import { accountFence, refuseIfSeenBefore } from './account-fence';
import { AccountRefusal, refuseTry } from './refusals';
import { settleBranch } from './settle';

/**
 * `credit {accountId, amount}`: try announces the amount as incoming (not
 * spendable), confirm moves it into the balance, cancel drops it.
 */
export function creditAction(router: ShardRouter): TccAction<AccountAmountPayload> {
  return defineAction({
    name: 'credit',
    payload: AccountAmountPayload,
    dataSource: (payload) => router.dataSourceFor(payload.accountId),
    fence: accountFence(router),
    async try(ctx) {
      const { accountId, amount } = ctx.payload;
      const departures = await expectIncoming(ctx.manager, accountId, amount);
      if (departures === null) {
        return refuseTry(
          ctx.manager,
          accountId,
          AccountRefusal.LimitExceeded,
          `A credit of ${amount} would take account ${accountId} past 2^53-1.`,
        );
      }
      if (departures.length > 0) await refuseIfSeenBefore(router, ctx, departures);
      await insertHold(ctx.manager, ctx, { accountId, kind: 'credit', amount });
    },
    // The try's guard keeps balance + frozen + incoming within 2^53-1, so this
    // confirm's own bound cannot fail; if it ever did, it would answer 500 and
    // the coordinator would keep retrying rather than overflow.
    confirm: (ctx) => settleBranch(ctx, 'credit', 'CONFIRMED', acceptIncoming),
    cancel: (ctx) => settleBranch(ctx, 'credit', 'CANCELLED', dropIncoming),
  });
}
