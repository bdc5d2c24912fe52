import { Client } from 'pg';
import { closedLoop } from '../load';
import { PgServer, createDatabase, dropDatabases, withClient } from '../postgres';
import { ProgressLine } from '../progress';

/** The same money movement as a transfer, as one local transaction. */
export interface BaselineResult {
  txPerS: number;
  completed: number;
  errors: number;
  errorSamples: string[];
}

const OPENING = 1_000_000_000;

/**
 * What a transfer would cost if both accounts lived in one database: one
 * local transaction with the debit's guarded UPDATE and the credit's
 * UPDATE, from `connections` connections. The two rows are updated in id
 * order so that opposite transfers never deadlock, which would only
 * measure PostgreSQL's deadlock timeout.
 */
export async function runBaseline(
  server: PgServer,
  options: {
    accounts: number;
    connections: number;
    durationMs: number;
    warmupMs: number;
    progress: ProgressLine;
  },
): Promise<BaselineResult> {
  const db = await createDatabase(server, 'base');
  const clients: Client[] = [];
  try {
    await withClient(db.url, async (client) => {
      await client.query(`
        CREATE TABLE accounts (
          id text PRIMARY KEY,
          balance bigint NOT NULL CHECK (balance BETWEEN 0 AND 9007199254740991),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await client.query(
        `INSERT INTO accounts (id, balance) SELECT 'tr-' || i, $2 FROM generate_series(0, $1 - 1) AS i`,
        [options.accounts, OPENING],
      );
    });
    for (let i = 0; i < options.connections; i += 1) {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      clients.push(client);
    }
    const load = await closedLoop({
      label: 'baseline',
      callers: options.connections,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      progress: options.progress,
      request: async (caller) => {
        const client = clients[caller];
        const from = Math.floor(Math.random() * options.accounts);
        const to =
          (from + 1 + Math.floor(Math.random() * (options.accounts - 1))) % options.accounts;
        const amount = 1 + Math.floor(Math.random() * 100);
        const debit = () =>
          client.query(
            `UPDATE accounts SET balance = balance - $2, updated_at = now() WHERE id = $1 AND balance >= $2`,
            [`tr-${from}`, amount],
          );
        const credit = () =>
          client.query(
            `UPDATE accounts SET balance = balance + $2, updated_at = now() WHERE id = $1`,
            [`tr-${to}`, amount],
          );
        await client.query('BEGIN');
        try {
          const [first, second] = from < to ? [debit, credit] : [credit, debit];
          const counts = [(await first()).rowCount, (await second()).rowCount];
          if (counts.some((count) => count !== 1)) {
            await client.query('ROLLBACK');
            return { ok: false, error: 'debit refused' };
          }
          await client.query('COMMIT');
          return { ok: true };
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      },
    });
    return {
      txPerS: load.completed / (load.elapsedMs / 1000),
      completed: load.completed,
      errors: load.errors,
      errorSamples: load.errorSamples,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
    await dropDatabases(server, [db]);
  }
}
