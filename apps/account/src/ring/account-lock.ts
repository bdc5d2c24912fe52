import type { Statement } from '@app/database';

/**
 * First key of the advisory locks that fence an account against a move
 * (the second is `hashtext(id)`). Every phase, read-for-open and move takes
 * it in its shard transaction: phases share it, a move takes it alone, so a
 * move waits for the phases in flight and new ones wait for the move. Two
 * ids with the same hash only wait for each other.
 */
export const ACCOUNT_LOCK_SPACE = 74_656_110;

/** Opens a phase's transaction: waits for any move of the account on this shard to finish. */
export function shareAccountLock(accountId: string): Statement {
  return {
    sql: `SELECT pg_advisory_xact_lock_shared(${ACCOUNT_LOCK_SPACE}, hashtext($1))`,
    params: [accountId],
  };
}

/** Where the account stands on this shard, read after {@link shareAccountLock} (a later snapshot). */
export interface AccountWhereabouts {
  /** This shard's ring version (null on a shard never told the ring). */
  version: number | null;
  /** The shard the account went to when it left this one. */
  moved_to: string | null;
  /** Copied here by a move whose source has not yet let it go. */
  arriving: boolean;
}

/** Reads the account's {@link AccountWhereabouts} on this shard. */
export function whereaboutsStatement(accountId: string): Statement {
  return {
    sql: `SELECT (SELECT version FROM account_ring) AS version,
            (SELECT shard FROM account_forwards WHERE account_id = $1) AS moved_to,
            EXISTS (SELECT 1 FROM account_arrivals WHERE account_id = $1) AS arriving`,
    params: [accountId],
  };
}
