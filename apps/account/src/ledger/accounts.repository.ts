import type { EntityManager } from 'typeorm';
import type { Statement } from '@app/database';
import { runSql } from '@app/participant';
import type { AccountWhereabouts } from '../ring/account-lock';

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

/** A shard an account left, and when (epoch ms): kept on the account for a while after a move. */
export interface Departure {
  shard: string;
  at: number;
}

/** Reads an account and its whereabouts on one shard in one snapshot (a move commits on both sides of it). */
export function findAccountStatement(id: string): Statement {
  return {
    sql: `SELECT a.id, a.balance, a.frozen, a.incoming,
            (SELECT version FROM account_ring) AS version,
            (SELECT shard FROM account_forwards WHERE account_id = $1) AS moved_to,
            EXISTS (SELECT 1 FROM account_arrivals WHERE account_id = $1) AS arriving
          FROM (SELECT 1) AS one LEFT JOIN accounts a ON a.id = $1`,
    params: [id],
  };
}

/** A row of {@link findAccountStatement}: the account's columns are null when this shard has none. */
export type FoundAccount = {
  [K in keyof StoredAccount]: StoredAccount[K] | null;
} & AccountWhereabouts;

/** The account of a {@link FoundAccount}, or null. */
export function foundAccount(found: FoundAccount): AccountRow | null {
  return found.id === null ? null : toRow(found as StoredAccount);
}

/**
 * Opens a phase-like transaction for opening an account: shares the ring
 * row (a rebalance switching the ring waits, and is waited for) and reads
 * the account's whereabouts.
 */
export function openingCheckStatement(id: string): Statement {
  return {
    sql: `SELECT r.version, r.accepting_accounts,
            (SELECT shard FROM account_forwards WHERE account_id = $1) AS moved_to,
            EXISTS (SELECT 1 FROM account_arrivals WHERE account_id = $1) AS arriving
          FROM account_ring r FOR SHARE OF r`,
    params: [id],
  };
}

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

/** Runs one guarded UPDATE of a try; the account's recent departures, or null when the guard failed. */
async function guardedTry(
  manager: EntityManager,
  sql: string,
  id: string,
  amount: number,
): Promise<Departure[] | null> {
  const { rows } = await runSql<{ history: Departure[] }>(manager, sql, [id, amount]);
  return rows.length === 1 ? rows[0].history : null;
}

/** Debit try: moves `amount` from balance to frozen, only if the balance covers it. */
export function freezeFunds(
  manager: EntityManager,
  id: string,
  amount: number,
): Promise<Departure[] | null> {
  return guardedTry(
    manager,
    `UPDATE accounts SET balance = balance - $2, frozen = frozen + $2, updated_at = now()
     WHERE id = $1 AND balance >= $2
     RETURNING history`,
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
): Promise<Departure[] | null> {
  return guardedTry(
    manager,
    `UPDATE accounts SET incoming = incoming + $2, updated_at = now()
     WHERE id = $1 AND balance + frozen + incoming + $2 <= 9007199254740991
     RETURNING history`,
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
