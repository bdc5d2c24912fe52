import type { EntityManager } from 'typeorm';
import { runSql } from '@app/participant';

/** An account row as stored (bigint columns arrive as text and are converted). */
export interface AccountRow {
  id: string;
  balance: number;
  frozen: number;
  incoming: number;
}

interface StoredAccount {
  id: string;
  balance: string;
  frozen: string;
  incoming: string;
}

const toRow = (stored: StoredAccount): AccountRow => ({
  id: stored.id,
  balance: Number(stored.balance),
  frozen: Number(stored.frozen),
  incoming: Number(stored.incoming),
});

/**
 * Creates an account, or returns null when the id exists. ON CONFLICT, not a
 * caught unique violation: an existing id is an ordinary 409, not a failed
 * statement for the database log.
 */
export async function insertAccount(
  manager: EntityManager,
  id: string,
  balance: number,
): Promise<AccountRow | null> {
  const { rows } = await runSql<StoredAccount>(
    manager,
    `INSERT INTO accounts (id, balance) VALUES ($1, $2)
     ON CONFLICT (id) DO NOTHING
     RETURNING id, balance, frozen, incoming`,
    [id, balance],
  );
  return rows.length === 0 ? null : toRow(rows[0]);
}

/** The account, or null when this shard has none with that id. */
export async function findAccount(manager: EntityManager, id: string): Promise<AccountRow | null> {
  const { rows } = await runSql<StoredAccount>(
    manager,
    `SELECT id, balance, frozen, incoming FROM accounts WHERE id = $1`,
    [id],
  );
  return rows.length === 0 ? null : toRow(rows[0]);
}

/** True when the account exists; tells an unknown account from a refused guard. */
export async function accountExists(manager: EntityManager, id: string): Promise<boolean> {
  const { rowCount } = await runSql(manager, `SELECT 1 FROM accounts WHERE id = $1`, [id]);
  return rowCount === 1;
}

/** Runs one guarded UPDATE of an account; true when the guard held and the row changed. */
async function guardedUpdate(
  manager: EntityManager,
  sql: string,
  id: string,
  amount: number,
): Promise<boolean> {
  const { rowCount } = await runSql(manager, sql, [id, amount]);
  return rowCount === 1;
}

/** Debit try: moves `amount` from balance to frozen, only if the balance covers it. */
export function freezeFunds(manager: EntityManager, id: string, amount: number): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET balance = balance - $2, frozen = frozen + $2, updated_at = now()
     WHERE id = $1 AND balance >= $2`,
    id,
    amount,
  );
}

/** Debit confirm: the frozen amount leaves the account. */
export function spendFrozen(manager: EntityManager, id: string, amount: number): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET frozen = frozen - $2, updated_at = now()
     WHERE id = $1 AND frozen >= $2`,
    id,
    amount,
  );
}

/** Debit cancel: the frozen amount returns to the balance. */
export function unfreezeFunds(
  manager: EntityManager,
  id: string,
  amount: number,
): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET balance = balance + $2, frozen = frozen - $2, updated_at = now()
     WHERE id = $1 AND frozen >= $2`,
    id,
    amount,
  );
}

/**
 * Credit try: announces `amount` as incoming (not spendable). The guard keeps
 * balance + frozen + incoming within 2^53−1; no other phase raises that sum,
 * so no later confirm or cancel can leave the exact-number range.
 */
export function expectIncoming(
  manager: EntityManager,
  id: string,
  amount: number,
): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET incoming = incoming + $2, updated_at = now()
     WHERE id = $1 AND balance + frozen + incoming + $2 <= 9007199254740991`,
    id,
    amount,
  );
}

/** Credit confirm: the incoming amount becomes spendable balance. */
export function acceptIncoming(
  manager: EntityManager,
  id: string,
  amount: number,
): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET incoming = incoming - $2, balance = balance + $2, updated_at = now()
     WHERE id = $1 AND incoming >= $2 AND balance + $2 <= 9007199254740991`,
    id,
    amount,
  );
}

/** Credit cancel: the incoming amount is dropped. */
export function dropIncoming(manager: EntityManager, id: string, amount: number): Promise<boolean> {
  return guardedUpdate(
    manager,
    `UPDATE accounts SET incoming = incoming - $2, updated_at = now()
     WHERE id = $1 AND incoming >= $2`,
    id,
    amount,
  );
}
