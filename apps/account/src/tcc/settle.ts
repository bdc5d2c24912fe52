import type { EntityManager } from 'typeorm';
import type { PhaseContext } from '@app/participant';
import { HoldKind, findHoldState, settleHold } from '../ledger/holds.repository';

/** One guarded UPDATE applying a settled hold to its account. */
export type ApplyHold = (
  manager: EntityManager,
  accountId: string,
  amount: number,
) => Promise<boolean>;

/**
 * Confirm or cancel of one branch: settles the hold its try recorded and
 * applies that hold's amount to that hold's account — never the re-sent
 * payload's. The barrier runs this only after an 'ok' try, so a missing hold
 * or a failing guard is a broken invariant (or a protocol violation such as
 * a cancel after the confirm): it throws, the local transaction (barrier row
 * included) rolls back, the coordinator sees a 500 and retries, and the
 * branch ends up on the stuck list for a person. Nothing is applied twice.
 */
export async function settleBranch(
  ctx: PhaseContext<object>,
  kind: HoldKind,
  state: 'CONFIRMED' | 'CANCELLED',
  apply: ApplyHold,
): Promise<void> {
  const hold = await settleHold(ctx.manager, ctx, kind, state);
  if (hold === null) {
    const found = await findHoldState(ctx.manager, ctx);
    throw new Error(
      `Cannot move the ${kind} hold of transaction ${ctx.transactionId} branch ${ctx.branchId} to ${state}: it is ${found ?? 'missing'}, not HELD`,
    );
  }
  if (!(await apply(ctx.manager, hold.accountId, hold.amount))) {
    throw new Error(
      `Account ${hold.accountId} cannot take ${state === 'CONFIRMED' ? 'the confirm' : 'the cancel'} of ${kind} ${hold.amount} (transaction ${ctx.transactionId} branch ${ctx.branchId})`,
    );
  }
}
