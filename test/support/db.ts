import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * URL of a maintenance database on the PostgreSQL server the tests use:
 * `TCC_TEST_PG_URL` (set by the global setup, which may have started an
 * embedded server), else `DATABASE_URL`'s server, else 127.0.0.1:5432.
 */
export function adminUrl(): string {
  if (process.env.TCC_TEST_PG_URL) return process.env.TCC_TEST_PG_URL;
  const user = process.env.PGUSER ?? 'postgres';
  const password = process.env.PGPASSWORD ? `:${encodeURIComponent(process.env.PGPASSWORD)}` : '';
  const host = process.env.PGHOST ?? '127.0.0.1';
  const port = process.env.PGPORT ?? '5432';
  return `postgres://${user}${password}@${host}:${port}/postgres`;
}

/** A database created for one test file; `drop()` removes it and every connection to it. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(server: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty, uniquely named database (`tcc_<prefix>_<random>`) on the
 * tests' server, or on the server of the maintenance URL `server`.
 */
export async function createTestDatabase(
  prefix: string,
  server = adminUrl(),
): Promise<TestDatabase> {
  const name = `tcc_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withAdmin(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(server, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
