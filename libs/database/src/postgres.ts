import { Client } from 'pg';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

/** What an app tells {@link postgresOptions} about one of its databases. */
export interface PostgresTarget {
  url: string;
  entities: MixedList<string | (abstract new () => unknown) | EntitySchema>;
  migrations: MixedList<string | (new () => unknown)>;
  /** Connections in the pool; sized for a 2-core box by default. */
  poolSize?: number;
  applicationName: string;
}

/**
 * A pg client that always has an 'error' listener. pg-pool hands a freshly
 * connected client to TypeORM, which starts listening for its errors a
 * microtask later; when the server terminates the connection in that gap
 * (a restart, a failover, `pg_terminate_backend`), the error arrives in the
 * same read as the connection's first ReadyForQuery and, unheard, would
 * kill the process. Ignoring it here loses nothing: the client is marked
 * unusable either way, its next query fails, and the pool drops it.
 */
class ListenedClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', () => undefined);
  }
}

/**
 * TypeORM options shared by every app: migrations (never `synchronize`)
 * applied at start, READ COMMITTED, bounded pool, connection, statement and
 * read timeouts and TCP keepalive so neither a stuck query nor a silent
 * connection can hold a connection forever, and connections whose errors
 * can never go unhandled.
 */
export function postgresOptions(target: PostgresTarget): DataSourceOptions {
  return {
    type: 'postgres',
    url: target.url,
    entities: target.entities,
    migrations: target.migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    poolSize: target.poolSize ?? 10,
    applicationName: target.applicationName,
    extra: {
      Client: ListenedClient,
      // Sends a statement without waiting for the one before it to finish; code that awaits each
      // statement sees no difference, and inTransaction() uses it to save round trips.
      pipeline: true,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      statement_timeout: 30000,
      // The server ends a statement after 30 s, but it cannot end one whose connection went silent
      // (a server that vanished without closing it, a partition): this bounds the wait on our side
      // and, on a pipelined connection, destroys it so the pool replaces it.
      query_timeout: 35000,
      // Lets the kernel find a peer that vanished under an idle pooled connection.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10000,
    },
  };
}

/** Creates the database named in `url` when it does not exist yet (used by `npm start` and tests). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } catch (error) {
    // Two processes creating the same database race; the loser sees 42P04 (duplicate_database).
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
