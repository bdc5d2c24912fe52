import type { EntityManager } from 'typeorm';
import { runSql } from '@app/participant';

/** Which way a hold moves money. */
export type HoldKind = 'debit' | 'credit';

/** The branch a hold belongs to. */
export interface HoldKey {
  transactionId: string;
  branchId: string;
}

/** What a try held: confirm and cancel read it back instead of trusting the re-sent payload. */
export interface Hold {
  accountId: string;
  kind: HoldKind;
  amount: number;
}

/** Records the hold of a successful try, in the try's local transaction. */
export async function insertHold(manager: EntityManager, key: HoldKey, hold: Hold): Promise<void> {
  await runSql(
    manager,
    `INSERT INTO holds (transaction_id, branch_id, account_id, kind, amount, state)
     VALUES ($1, $2, $3, $4, $5, 'HELD')`,
    [key.transactionId, key.branchId, hold.accountId, hold.kind, hold.amount],
  );
}

/**
 * Moves the branch's HELD hold of `kind` to its final state and returns it,
 * or null when there is no such hold. The `state = 'HELD'` guard lets
 * exactly one of confirm and cancel ever settle a hold.
 */
export async function settleHold(
  manager: EntityManager,
  key: HoldKey,
  kind: HoldKind,
  state: 'CONFIRMED' | 'CANCELLED',
): Promise<Hold | null> {
  const { rows } = await runSql<{ account_id: string; amount: string }>(
    manager,
    `UPDATE holds SET state = $4, settled_at = now()
     WHERE transaction_id = $1 AND branch_id = $2 AND kind = $3 AND state = 'HELD'
     RETURNING account_id, amount`,
    [key.transactionId, key.branchId, kind, state],
  );
  if (rows.length === 0) return null;
  return { accountId: rows[0].account_id, kind, amount: Number(rows[0].amount) };
}

/** The state of the branch's hold, or null when its try recorded none; for error reports. */
export async function findHoldState(manager: EntityManager, key: HoldKey): Promise<string | null> {
  const { rows } = await runSql<{ state: string }>(
    manager,
    `SELECT state FROM holds WHERE transaction_id = $1 AND branch_id = $2`,
    [key.transactionId, key.branchId],
  );
  return rows.length === 0 ? null : rows[0].state;
}
