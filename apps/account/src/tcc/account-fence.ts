import { ErrorCode } from '@app/protocol';
import { PhaseContext, PhaseFence, refuse, runSql } from '@app/participant';
import type { Departure } from '../ledger/accounts.repository';
import { AccountWhereabouts, shareAccountLock, whereaboutsStatement } from '../ring/account-lock';
import type { ShardRouter } from '../shards/shard-router';
import type { AccountAmountPayload } from './account-amount.payload';

/**
 * How long after a move a try still looks at the shards its account left:
 * longer than any try can stay in flight (its deadline is at most
 * TCC_MAX_TIMEOUT_MS, ten minutes by default, after its transaction began).
 */
export const DEPARTURE_WINDOW_MS = 60 * 60_000;

/**
 * Keeps every phase of a `debit` or `credit` branch on the shard that holds
 * its account: the phase's transaction first shares the account's move
 * lock, then reads where the account is; one that left, is still arriving,
 * or sits under a newer ring sends the phase on.
 */
export function accountFence(router: ShardRouter): PhaseFence<AccountAmountPayload> {
  return {
    statements: (payload) => [
      shareAccountLock(payload.accountId),
      whereaboutsStatement(payload.accountId),
    ],
    misrouted(payload, [, where]) {
      const verdict = router.whereabouts(payload.accountId, where.rows[0] as AccountWhereabouts);
      return verdict.kind === 'here' ? null : verdict.retryAfterMs;
    },
  };
}

interface EarlierBarrier {
  phase: string;
  outcome: string | null;
  detail: { code?: string; detail?: string } | null;
}

/**
 * A try that succeeded on an account that moved recently: refused when a
 * shard the account left had already seen this branch (cancelled before its
 * try arrived, or its try refused). Those barrier rows have no hold, so they
 * stay behind when the account moves; without this look a try delayed past
 * its own cancel would hold money no one will ever release.
 */
export async function refuseIfSeenBefore(
  router: ShardRouter,
  ctx: PhaseContext<AccountAmountPayload>,
  departures: readonly Departure[],
): Promise<void> {
  const since = Date.now() - DEPARTURE_WINDOW_MS;
  for (const departure of departures) {
    // A shard no longer listed cannot be asked; the runbook keeps a drained shard listed for the window.
    if (departure.at < since || !router.configured.includes(departure.shard)) continue;
    const { rows } = await runSql<EarlierBarrier>(
      router.shard(departure.shard).dataSource.manager,
      `SELECT phase, outcome, detail FROM tcc_barrier WHERE transaction_id = $1 AND branch_id = $2`,
      [ctx.transactionId, ctx.branchId],
    );
    if (rows.length === 0) continue;
    const tried = rows.find((row) => row.phase === 'try');
    if (tried?.outcome === 'refused') {
      refuse(tried.detail?.code ?? ErrorCode.TryRefused, tried.detail?.detail ?? 'Refused.');
    }
    if (tried?.outcome === 'ok') {
      throw new Error(
        `Branch ${ctx.branchId} of ${ctx.transactionId} succeeded on shard ${departure.shard}, which its account left without its hold`,
      );
    }
    refuse(
      ErrorCode.TryCancelled,
      `The branch was cancelled on shard ${departure.shard} before its account moved.`,
    );
  }
}
