import { Client } from 'pg';
// Global setup runs outside jest's module mapping, where the @app/* aliases do not resolve.
import { postgresAnswers } from '../../libs/database/src/reachability';
import { startThrowawayPostgres } from '../../scripts/lib/throwaway-postgres';
import { buildIfStale } from '../../scripts/lib/build';

/** What the global teardown needs to undo; jest runs setup and teardown in the same process. */
interface SetupState {
  embedded?: { stop(): Promise<void> };
  cleaned?: boolean;
}

const STATE = Symbol.for('tcc.test.global-state');

/** Shared by every project's setup and teardown in this jest process. */
export function globalState(): SetupState {
  const holder = globalThis as { [STATE]?: SetupState };
  holder[STATE] ??= {};
  return holder[STATE];
}

// Databases made by createTestDatabase(): tcc_<prefix>_<8 hex>.
const TEST_DATABASE = /^tcc_[a-z0-9_]+_[0-9a-f]{8}$/;
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

function maintenanceUrl(url: string): string {
  const target = new URL(url);
  target.pathname = '/postgres';
  return target.toString();
}

/** The server named by the standard libpq variables, when any of them is set. */
function pgEnvUrl(): string | undefined {
  const { PGHOST, PGPORT, PGUSER, PGPASSWORD } = process.env;
  if (!PGHOST && !PGPORT && !PGUSER) return undefined;
  const auth = `${encodeURIComponent(PGUSER ?? 'postgres')}${PGPASSWORD ? `:${encodeURIComponent(PGPASSWORD)}` : ''}`;
  return `postgres://${auth}@${PGHOST ?? '127.0.0.1'}:${PGPORT ?? '5432'}/postgres`;
}

/** A throwaway server for machines without PostgreSQL: temp directory, free port, deleted on stop. */
async function startEmbedded(): Promise<string> {
  const server = await startThrowawayPostgres('tcc-test-pg');
  globalState().embedded = server;
  process.stdout.write(
    `\nNo PostgreSQL found; started an embedded one on port ${server.port} for this run.\n`,
  );
  return server.adminUrl;
}

/** TCC_TEST_PG_URL, else PG* / DATABASE_URL's server, else 127.0.0.1:5432, else an embedded server. */
async function findServer(): Promise<string> {
  if (process.env.TCC_TEST_PG_URL) return process.env.TCC_TEST_PG_URL;
  const configured =
    pgEnvUrl() ?? (process.env.DATABASE_URL ? maintenanceUrl(process.env.DATABASE_URL) : undefined);
  if (configured) {
    if (await postgresAnswers(configured)) return configured;
    throw new Error(
      `the PostgreSQL configured by PG*/DATABASE_URL does not answer (${new URL(configured).host})`,
    );
  }
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await postgresAnswers(local)) return local;
  return startEmbedded();
}

/** Drops test databases of killed runs: named like createTestDatabase() names them and older than an hour. */
async function dropLeftovers(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // A database has no creation time; its PG_VERSION file is written when it is created.
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database
        WHERE datname LIKE 'tcc\\_%'
          AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification < now() - $1 * interval '1 millisecond'`,
      [LEFTOVER_AGE_MS],
    );
    for (const { datname } of rows.filter((row) => TEST_DATABASE.test(row.datname))) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } catch (error) {
    // Reading file times needs superuser (or pg_read_server_files); without it leftovers simply stay.
    process.stdout.write(`\nNot cleaning leftover test databases: ${(error as Error).message}\n`);
  } finally {
    await client.end();
  }
}

/** Jest global setup of the integration, e2e and fault projects. */
export default async function globalSetup(
  _globalConfig: unknown,
  projectConfig: { displayName?: { name: string } },
): Promise<void> {
  const state = globalState();
  process.env.TCC_TEST_PG_URL = await findServer();
  if (!state.cleaned) {
    state.cleaned = true;
    await dropLeftovers(process.env.TCC_TEST_PG_URL);
  }
  if (['e2e', 'fuzz', 'fault'].includes(projectConfig.displayName?.name ?? '')) {
    buildIfStale((line) => process.stdout.write(`\n${line}\n`));
  }
}
