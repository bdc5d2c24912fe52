import type { StackDatabases } from '../../support/stack';
import { sqlQuery } from './sql';
import { sleep } from './waiting';

/**
 * What the money and stock checks compare against: entities touched only by
 * transactions of the coordinator's log (never by direct calls or by hand),
 * with what they held when they were seeded.
 */
export interface Ledger {
  accounts: Record<string, number>;
  skus: Record<string, number>;
  /** Wallets of the test participant. */
  wallets: Record<string, number>;
}

/** The databases a consistency check reads. */
export interface ConsistencyTarget {
  databases: StackDatabases;
  /** The test participant's database, when it runs. */
  busiDatabaseUrl?: string;
}

/** An empty ledger to add seeded entities to. */
export function emptyLedger(): Ledger {
  return { accounts: {}, skus: {}, wallets: {} };
}

interface LogBranch {
  transactionId: string;
  transactionStatus: string;
  resolved: boolean;
  branchId: string;
  participant: string;
  action: string;
  status: string;
  payload: {
    accountId?: string;
    amount?: number;
    sku?: string;
    quantity?: number;
    wallet?: string;
  };
}

interface Hold {
  transaction_id: string;
  branch_id: string;
  state: string;
}

function unfinished(alias: string): string {
  return `${alias}.status IN ('TRYING', 'CONFIRMING', 'CANCELLING') AND NOT ${alias}.resolved`;
}

/**
 * Waits until every transaction of the log is CONFIRMED or CANCELLED (or
 * resolved by a person); on timeout the error lists the unfinished ones
 * with their branches, so a failure says what hung.
 */
export async function waitForAllFinal(coordinatorDb: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ count }] = await sqlQuery<{ count: string }>(
      coordinatorDb,
      `SELECT count(*) FROM transactions t WHERE ${unfinished('t')}`,
    );
    if (Number(count) === 0) return;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const stuck = await sqlQuery(
    coordinatorDb,
    `SELECT t.id, t.status, t.stuck, t.attempts, t.lease_owner, t.lease_until, t.next_attempt_at,
       t.deadline, now() AS now,
       json_agg(json_build_object('participant', b.participant, 'action', b.action,
         'status', b.status, 'attempts', b.attempts, 'lastError', b.last_error)) AS branches
     FROM transactions t LEFT JOIN branches b ON b.transaction_id = t.id
     WHERE ${unfinished('t')}
     GROUP BY t.id ORDER BY t.created_at LIMIT 5`,
  );
  throw new Error(
    `transactions still unfinished after ${timeoutMs} ms, e.g.:\n${JSON.stringify(stuck, null, 1)}`,
  );
}

async function holds(url: string, table: string): Promise<Hold[]> {
  return sqlQuery<Hold>(url, `SELECT transaction_id, branch_id, state FROM ${table}`);
}

function add(totals: Record<string, number>, key: string | undefined, amount: number): void {
  if (key === undefined) return;
  totals[key] = (totals[key] ?? 0) + amount;
}

/**
 * Atomicity and conservation, read straight from the databases once every
 * transaction is final. Returns the violations found (empty when all hold):
 *
 * - in the log, a CONFIRMED transaction has every branch CONFIRMED and a
 *   CANCELLED one has none;
 * - each participant's hold of a branch agrees with the log: CONFIRMED for
 *   a confirmed transaction, CANCELLED or never made for a cancelled one;
 * - no hold anywhere is still HELD; no account has anything frozen or
 *   incoming, no SKU anything reserved, no wallet anything held, no order
 *   is PENDING;
 * - every ledger account's balance is its opening plus confirmed credits
 *   minus confirmed debits, every ledger SKU's total is unchanged and its
 *   sold units are the confirmed reservations, every ledger wallet's used
 *   amount is its confirmed payments.
 */
export async function consistencyViolations(
  target: ConsistencyTarget,
  ledger: Ledger,
): Promise<string[]> {
  const { databases } = target;
  const problems: string[] = [];
  const branches = await sqlQuery<LogBranch>(
    databases.coordinator,
    `SELECT t.id AS "transactionId", t.status AS "transactionStatus", t.resolved,
       b.id AS "branchId", b.participant, b.action, b.status, b.payload
     FROM branches b JOIN transactions t ON t.id = b.transaction_id`,
  );
  const open = await sqlQuery<{ id: string; status: string }>(
    databases.coordinator,
    `SELECT id, status FROM transactions t WHERE ${unfinished('t')}`,
  );
  for (const row of open) problems.push(`transaction ${row.id} is still ${row.status}`);
  problems.push(...(await decisionViolations(databases.coordinator)));

  const holdState = new Map<string, string>();
  const allHolds: [string, Hold[]][] = [
    ['inventory reservation', await holds(databases.inventory, 'reservations')],
    ...(await Promise.all(
      databases.shards.map(async (url, i): Promise<[string, Hold[]]> => [
        `shard-${i} hold`,
        await holds(url, 'holds'),
      ]),
    )),
  ];
  if (target.busiDatabaseUrl) {
    allHolds.push(['busi wallet hold', await holds(target.busiDatabaseUrl, 'wallet_holds')]);
  }
  for (const [what, rows] of allHolds) {
    for (const hold of rows) {
      holdState.set(hold.branch_id, hold.state);
      if (hold.state === 'HELD') {
        problems.push(`${what} of ${hold.transaction_id}/${hold.branch_id} is still HELD`);
      }
    }
  }

  const balances: Record<string, number> = {};
  const sold: Record<string, number> = {};
  const used: Record<string, number> = {};
  for (const branch of branches) {
    if (branch.resolved) continue;
    const where = `branch ${branch.branchId} (${branch.participant} ${branch.action}) of ${branch.transactionStatus} ${branch.transactionId}`;
    const hold = holdState.get(branch.branchId);
    if (branch.transactionStatus === 'CONFIRMED') {
      if (branch.status !== 'CONFIRMED') problems.push(`${where} is ${branch.status} in the log`);
      if (hold !== 'CONFIRMED') problems.push(`${where} has hold ${hold ?? 'none'}`);
      const { payload } = branch;
      const amount = payload.amount ?? 0;
      if (branch.action === 'debit') add(balances, payload.accountId, -amount);
      if (branch.action === 'credit') add(balances, payload.accountId, amount);
      if (branch.action === 'reserve') add(sold, payload.sku, payload.quantity ?? 0);
      if (branch.action === 'pay') add(used, payload.wallet, amount);
    } else if (branch.transactionStatus === 'CANCELLED') {
      if (branch.status !== 'CANCELLED' && branch.status !== 'TRY_FAILED') {
        problems.push(`${where} is ${branch.status} in the log`);
      }
      if (hold !== undefined && hold !== 'CANCELLED') problems.push(`${where} has hold ${hold}`);
    }
  }

  const accounts = (
    await Promise.all(
      databases.shards.map((url) =>
        sqlQuery<{ id: string; balance: string; frozen: string; incoming: string }>(
          url,
          `SELECT id, balance, frozen, incoming FROM accounts`,
        ),
      ),
    )
  ).flat();
  for (const account of accounts) {
    if (Number(account.frozen) !== 0 || Number(account.incoming) !== 0) {
      problems.push(
        `account ${account.id} has frozen ${account.frozen} and incoming ${account.incoming}`,
      );
    }
    const opening = ledger.accounts[account.id];
    if (opening === undefined) continue;
    const expected = opening + (balances[account.id] ?? 0);
    if (Number(account.balance) !== expected) {
      problems.push(`account ${account.id} has balance ${account.balance}, expected ${expected}`);
    }
  }
  for (const id of Object.keys(ledger.accounts)) {
    if (!accounts.some((account) => account.id === id)) problems.push(`account ${id} is missing`);
  }

  const stock = await sqlQuery<{ sku: string; available: string; reserved: string; sold: string }>(
    databases.inventory,
    `SELECT sku, available, reserved, sold FROM stock`,
  );
  for (const row of stock) {
    if (Number(row.reserved) !== 0) problems.push(`sku ${row.sku} has ${row.reserved} reserved`);
    const total = ledger.skus[row.sku];
    if (total === undefined) continue;
    const now = Number(row.available) + Number(row.reserved) + Number(row.sold);
    if (now !== total) problems.push(`sku ${row.sku} totals ${now}, expected ${total}`);
    if (Number(row.sold) !== (sold[row.sku] ?? 0)) {
      problems.push(`sku ${row.sku} sold ${row.sold}, confirmed ${sold[row.sku] ?? 0}`);
    }
  }
  const [{ pending }] = await sqlQuery<{ pending: string }>(
    databases.inventory,
    `SELECT count(*) AS pending FROM orders WHERE status = 'PENDING'`,
  );
  if (Number(pending) !== 0) problems.push(`${pending} order(s) still PENDING`);

  if (target.busiDatabaseUrl) {
    const wallets = await sqlQuery<{ id: string; available: string; held: string; used: string }>(
      target.busiDatabaseUrl,
      `SELECT id, available, held, used FROM wallets`,
    );
    for (const wallet of wallets) {
      if (Number(wallet.held) !== 0) problems.push(`wallet ${wallet.id} has ${wallet.held} held`);
      const opening = ledger.wallets[wallet.id];
      if (opening === undefined) continue;
      const now = Number(wallet.available) + Number(wallet.held) + Number(wallet.used);
      if (now !== opening) problems.push(`wallet ${wallet.id} totals ${now}, expected ${opening}`);
      if (Number(wallet.used) !== (used[wallet.id] ?? 0)) {
        problems.push(`wallet ${wallet.id} used ${wallet.used}, confirmed ${used[wallet.id] ?? 0}`);
      }
    }
  }
  return problems;
}

/**
 * What the log's events show about each transaction's decision: at most one
 * decision, never reversed (a confirm decision ends CONFIRMED, a cancel
 * decision CANCELLED), its end and each branch's phase-2 outcome recorded
 * at most once. Writers that lost a race, or acted on a stale view, must
 * leave no trace here.
 */
export async function decisionViolations(coordinatorDb: string): Promise<string[]> {
  const rows = await sqlQuery<{ id: string; status: string; types: string[] }>(
    coordinatorDb,
    `SELECT t.id, t.status, array_agg(e.type ORDER BY e.id) AS types
     FROM transactions t JOIN events e ON e.transaction_id = t.id
     WHERE e.type IN ('DECIDE_CONFIRM', 'DECIDE_CANCEL', 'CONFIRMED', 'CANCELLED')
     GROUP BY t.id, t.status`,
  );
  const problems: string[] = [];
  for (const { id, status, types } of rows) {
    const decisions = types.filter((type) => type.startsWith('DECIDE_'));
    const ends = types.filter((type) => !type.startsWith('DECIDE_'));
    const expectedEnd = decisions[0] === 'DECIDE_CONFIRM' ? 'CONFIRMED' : 'CANCELLED';
    if (
      decisions.length > 1 ||
      ends.length > 1 ||
      ends.some((end) => end !== expectedEnd) ||
      (ends.length === 1 && status !== ends[0])
    ) {
      problems.push(`transaction ${id} (${status}) has decision events ${types.join(', ')}`);
    }
  }
  const settledTwice = await sqlQuery<{ branch: string; types: string[] }>(
    coordinatorDb,
    `SELECT branch_id AS branch, array_agg(type ORDER BY id) AS types FROM events
     WHERE type IN ('CONFIRM_OK', 'CANCEL_OK') GROUP BY branch_id HAVING count(*) > 1`,
  );
  for (const { branch, types } of settledTwice) {
    problems.push(`branch ${branch} has its phase 2 recorded more than once: ${types.join(', ')}`);
  }
  return problems;
}

/**
 * Transactions whose clients were told a decision (CONFIRMING or CONFIRMED,
 * CANCELLING or CANCELLED) that the log does not end with: a decision lost
 * or turned around.
 */
export async function answerViolations(
  coordinatorDb: string,
  told: Map<string, string>,
): Promise<string[]> {
  const ids = [...told.keys()];
  const rows = await sqlQuery<{ id: string; status: string }>(
    coordinatorDb,
    `SELECT id, status FROM transactions WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const stored = new Map(rows.map((row) => [row.id, row.status]));
  const problems: string[] = [];
  for (const [id, status] of told) {
    const ending = status.startsWith('CONFIRM')
      ? 'CONFIRMED'
      : status.startsWith('CANCEL')
        ? 'CANCELLED'
        : null;
    if (ending !== null && stored.get(id) !== ending) {
      problems.push(
        `transaction ${id} was answered ${status} but is ${stored.get(id) ?? 'missing'}`,
      );
    }
  }
  return problems;
}
