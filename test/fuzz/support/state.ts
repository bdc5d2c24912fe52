import { Client } from 'pg';
import type { StackDatabases } from '../../support/stack';

/**
 * A digest of every row a request could change, split in two: the
 * `business` rows (transactions and their status, registered participants,
 * stock, orders, reservations, accounts, holds), which no refused request
 * may change, and the `log` rows (branches, events, barrier rows), which a
 * refusal the protocol records (a refused try) does change.
 */
export interface Fingerprint {
  business: Record<string, string>;
  log: Record<string, string>;
}

// count:md5 of the listed columns of every row, in key order; '' when the table is empty.
const digest = (table: string, columns: string, order: string): string =>
  `(SELECT count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', ${columns}), ',' ORDER BY ${order})), '') FROM ${table})`;

const COORDINATOR = `SELECT
  ${digest('transactions', 'id, status, stuck, resolved', 'id')} AS transactions,
  ${digest('participants', "name, base_url, array_to_string(actions, ' ')", 'name')} AS participants,
  ${digest('branches', 'id, status', 'id')} AS branches,
  (SELECT count(*)::text FROM events) AS events`;

const BARRIER = digest(
  'tcc_barrier',
  'transaction_id, branch_id, phase, outcome',
  'transaction_id, branch_id, phase',
);

const INVENTORY = `SELECT
  ${digest('stock', 'sku, available, reserved, sold', 'sku')} AS stock,
  ${digest('orders', 'id, status', 'id')} AS orders,
  ${digest('reservations', 'transaction_id, branch_id, state', 'transaction_id, branch_id')} AS reservations,
  ${BARRIER} AS barrier`;

const SHARD = `SELECT
  ${digest('accounts', 'id, balance, frozen, incoming', 'id')} AS accounts,
  ${digest('holds', 'transaction_id, branch_id, state', 'transaction_id, branch_id')} AS holds,
  ${BARRIER} AS barrier`;

const LOG_COLUMNS = new Set(['branches', 'events', 'barrier']);

/** Direct SQL access to a stack's four databases, for checks no API offers. */
export class StackProbe {
  private constructor(
    readonly coordinator: Client,
    readonly inventory: Client,
    readonly shards: Client[],
  ) {}

  static async open(databases: StackDatabases): Promise<StackProbe> {
    const connect = async (url: string): Promise<Client> => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    };
    return new StackProbe(
      await connect(databases.coordinator),
      await connect(databases.inventory),
      await Promise.all(databases.shards.map(connect)),
    );
  }

  async fingerprint(): Promise<Fingerprint> {
    const named: [string, Client, string][] = [
      ['coordinator', this.coordinator, COORDINATOR],
      ['inventory', this.inventory, INVENTORY],
      ...this.shards.map((client, index): [string, Client, string] => [
        `shard${index}`,
        client,
        SHARD,
      ]),
    ];
    const result: Fingerprint = { business: {}, log: {} };
    await Promise.all(
      named.map(async ([database, client, sql]) => {
        const { rows } = await client.query<Record<string, string>>(sql);
        for (const [column, value] of Object.entries(rows[0])) {
          const side = LOG_COLUMNS.has(column) ? result.log : result.business;
          side[`${database}.${column}`] = value;
        }
      }),
    );
    return result;
  }

  /** Transactions that are neither finished nor resolved by hand. */
  async unfinished(): Promise<{ id: string; status: string }[]> {
    const { rows } = await this.coordinator.query<{ id: string; status: string }>(
      `SELECT id, status FROM transactions
       WHERE status NOT IN ('CONFIRMED', 'CANCELLED') AND NOT resolved ORDER BY id`,
    );
    return rows;
  }

  async close(): Promise<void> {
    await Promise.all([this.coordinator, this.inventory, ...this.shards].map((c) => c.end()));
  }
}

/** What the ledger must add up to: opening balances and stock totals as seeded. */
export interface Expectations {
  accounts: Map<string, number>;
  skus: Map<string, number>;
}

/**
 * The money and stock invariants of docs/failure-model.md over every seeded account
 * and SKU, read straight from the databases once nothing is unfinished:
 * a confirmed transaction has only confirmed branches and a cancelled one
 * none; balance = opening + confirmed credits − confirmed debits; nothing
 * frozen, incoming or reserved; no hold or reservation left HELD; stock
 * conserved and sold = the confirmed reservations. Returns the problems.
 */
export async function ledgerProblems(probe: StackProbe, expected: Expectations): Promise<string[]> {
  const problems: string[] = [];
  const { rows: mixed } = await probe.coordinator.query<{ id: string; status: string }>(
    `SELECT t.id, t.status FROM transactions t JOIN branches b ON b.transaction_id = t.id
     WHERE NOT t.resolved AND (
       (t.status = 'CONFIRMED' AND b.status <> 'CONFIRMED') OR
       (t.status = 'CANCELLED' AND b.status = 'CONFIRMED'))
     GROUP BY t.id, t.status`,
  );
  for (const row of mixed)
    problems.push(`transaction ${row.id} is ${row.status} with mixed branches`);

  const { rows: confirmed } = await probe.coordinator.query<{
    participant: string;
    action: string;
    payload: Record<string, unknown>;
  }>(
    `SELECT b.participant, b.action, b.payload FROM branches b
     JOIN transactions t ON t.id = b.transaction_id
     WHERE t.status = 'CONFIRMED' AND NOT t.resolved`,
  );
  const net = new Map<string, number>();
  const sold = new Map<string, number>();
  for (const { participant, action, payload } of confirmed) {
    if (participant === 'account' && typeof payload.accountId === 'string') {
      const amount = Number(payload.amount);
      const sign = action === 'credit' ? 1 : action === 'debit' ? -1 : 0;
      net.set(payload.accountId, (net.get(payload.accountId) ?? 0) + sign * amount);
    }
    if (participant === 'inventory' && action === 'reserve' && typeof payload.sku === 'string') {
      sold.set(payload.sku, (sold.get(payload.sku) ?? 0) + Number(payload.quantity));
    }
  }

  for (const shard of probe.shards) {
    const { rows: accounts } = await shard.query<{
      id: string;
      balance: string;
      frozen: string;
      incoming: string;
    }>('SELECT id, balance, frozen, incoming FROM accounts');
    for (const row of accounts) {
      if (row.frozen !== '0' || row.incoming !== '0') {
        problems.push(`account ${row.id} keeps frozen ${row.frozen}, incoming ${row.incoming}`);
      }
      const opening = expected.accounts.get(row.id);
      if (opening !== undefined && Number(row.balance) !== opening + (net.get(row.id) ?? 0)) {
        problems.push(
          `account ${row.id}: balance ${row.balance}, expected ${opening} + ${net.get(row.id) ?? 0}`,
        );
      }
    }
    const { rows: held } = await shard.query<{ n: string }>(
      `SELECT count(*) AS n FROM holds WHERE state = 'HELD'`,
    );
    if (held[0].n !== '0') problems.push(`${held[0].n} account holds are still HELD`);
  }

  const { rows: stock } = await probe.inventory.query<{
    sku: string;
    available: string;
    reserved: string;
    sold: string;
  }>('SELECT sku, available, reserved, sold FROM stock');
  for (const row of stock) {
    if (row.reserved !== '0') problems.push(`SKU ${row.sku} keeps ${row.reserved} reserved`);
    const total = expected.skus.get(row.sku);
    if (total === undefined) continue;
    const sum = Number(row.available) + Number(row.reserved) + Number(row.sold);
    if (sum !== total) problems.push(`SKU ${row.sku}: ${sum} units in total, expected ${total}`);
    if (Number(row.sold) !== (sold.get(row.sku) ?? 0)) {
      problems.push(`SKU ${row.sku}: ${row.sold} sold, confirmed ${sold.get(row.sku) ?? 0}`);
    }
  }
  const { rows: reservations } = await probe.inventory.query<{ n: string }>(
    `SELECT count(*) AS n FROM reservations WHERE state = 'HELD'`,
  );
  if (reservations[0].n !== '0') problems.push(`${reservations[0].n} reservations are still HELD`);
  return problems;
}
