import type { BranchStatus } from '@app/protocol';
import type { BranchCall, BranchCalls } from '../domain/state-machine';

/** A branch a recorded call changed: its status and attempts afterwards. */
export interface RecordedCall {
  id: string;
  status: BranchStatus;
  attempts: number;
}

/**
 * The CTE `open`: the transaction's row, locked, unless a person resolved
 * it. A statement that records outcomes or changes the status reads it
 * before touching any row, so a resolve either waits for that statement
 * (and sees what it recorded) or commits first (and the statement, reading
 * the row again after the wait, records nothing): nothing lands after
 * RESOLVED. The lock is the one an UPDATE takes, so two such statements
 * queue instead of deadlocking on an upgrade; taken up front, it is also
 * never a lock on a row this statement itself already changed (which
 * PostgreSQL would skip). `transaction` is the SQL of the transaction id.
 */
export function openCte(transaction: string): string {
  return `open AS (
      SELECT id FROM transactions WHERE id = ${transaction} AND NOT resolved FOR NO KEY UPDATE)`;
}

/**
 * The CTE `recorded`: one guarded UPDATE of every branch a call reached
 * (only from `from`, so a call never overwrites what another writer
 * settled), returning each changed branch with its event and its position
 * in `calls`, so the events can be written in call order. `transaction` is
 * the SQL of the transaction id the branches must belong to.
 *
 * Nothing is recorded once a person resolved the transaction: the
 * statement must also define {@link openCte}.
 */
export function recordedCte(
  calls: BranchCalls,
  transaction: string,
  now: string,
  param: (value: unknown) => string,
): string {
  if (calls.calls.length === 0) {
    return `recorded AS (
      SELECT NULL::uuid AS id, NULL::uuid AS transaction_id, NULL::text AS status,
        NULL::int AS attempts, NULL::text AS event, NULL::text AS last_error, NULL::bigint AS n
      WHERE false)`;
  }
  const column = <T>(pick: (call: BranchCall) => T): string =>
    param(calls.calls.map((call) => pick(call)));
  return `recorded AS (
      UPDATE branches b SET status = COALESCE(c.status, b.status), last_error = c.last_error,
        updated_at = ${now}, attempts = b.attempts + ${calls.countsAttempt ? 1 : 0}
      FROM unnest(${column((c) => c.branchId)}::uuid[], ${column((c) => c.to)}::text[],
          ${column((c) => c.error)}::text[], ${column((c) => c.event)}::text[])
        WITH ORDINALITY AS c(id, status, last_error, event, n)
      WHERE b.id = c.id AND b.transaction_id = ${transaction}
        AND b.status = ANY(${param(calls.from)}::text[])
        AND EXISTS (SELECT 1 FROM open)
      RETURNING b.id, b.transaction_id, b.status, b.attempts, c.event, c.last_error, c.n)`;
}

/** Rows for the events INSERT: one per recorded call, in call order (`ord`). */
export const RECORDED_EVENTS = `SELECT r.transaction_id, r.event AS type, r.id AS branch_id,
    CASE WHEN r.last_error IS NULL THEN NULL ELSE jsonb_build_object('error', r.last_error) END
      AS detail, r.n AS ord
  FROM recorded r`;

/** Select expression of the recorded calls as a JSON array of {@link RecordedCall}. */
export const RECORDED_JSON = `(SELECT COALESCE(json_agg(json_build_object(
    'id', r.id, 'status', r.status, 'attempts', r.attempts)), '[]'::json) FROM recorded r)`;
