import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { postgresAnswers } from '@app/database';
import type * as Throwaway from '../../scripts/lib/throwaway-postgres';
import { parentPid } from './cpu';

// Compiled into dist/bench/bench/src, this file reaches the scripts through the repository root.
const SCRIPTS = resolve(__dirname, '..', '..', '..', '..', 'scripts', 'lib');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startThrowawayPostgres } = require(
  join(SCRIPTS, 'throwaway-postgres.js'),
) as typeof Throwaway;

/** The PostgreSQL server a run uses, and how to stop it when the run started it. */
export interface PgServer {
  /** URL of its maintenance database. */
  adminUrl: string;
  /** "PostgreSQL 15.20, 127.0.0.1:5432" */
  description: string;
  embedded: boolean;
  /** The server's postmaster when it runs on this machine (its CPU is then measured), else null. */
  postmasterPid: number | null;
  stop(): Promise<void>;
}

/** A database made for this run. */
export interface BenchDatabase {
  name: string;
  url: string;
}

/** Runs `work` with a client on `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The postmaster of a server on this machine: the parent of the backend serving a fresh connection. */
async function findPostmaster(url: string): Promise<number | null> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return null;
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0].pid);
  });
}

async function describe(url: string, embedded: boolean): Promise<string> {
  const version = await withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version.split(' ')[0];
  });
  return `PostgreSQL ${version}${embedded ? ' (embedded)' : ''}, ${new URL(url).host}`;
}

/**
 * A throwaway server in a temporary directory on a free port, removed on
 * stop; pg_stat_statements is preloaded so `--pg-stats` works on it.
 */
async function startEmbedded(): Promise<PgServer> {
  const server = await startThrowawayPostgres('tcc-bench-pg', [
    '-c',
    'shared_preload_libraries=pg_stat_statements',
    '-c',
    'pg_stat_statements.track_planning=on',
    '-c',
    'max_connections=300',
  ]);
  return {
    adminUrl: server.adminUrl,
    description: await describe(server.adminUrl, true),
    embedded: true,
    postmasterPid: await findPostmaster(server.adminUrl),
    stop: () => server.stop(),
  };
}

/** `--pg-url`, else the server on 127.0.0.1:5432 when it answers, else an embedded one. */
export async function findServer(options: {
  pgUrl: string | null;
  embedded: boolean;
}): Promise<PgServer> {
  const external = async (url: string): Promise<PgServer> => ({
    adminUrl: url,
    description: await describe(url, false),
    embedded: false,
    postmasterPid: await findPostmaster(url),
    stop: () => Promise.resolve(),
  });
  if (options.pgUrl) {
    if (!(await postgresAnswers(options.pgUrl)))
      throw new Error(`--pg-url ${options.pgUrl} does not answer`);
    return external(options.pgUrl);
  }
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!options.embedded && (await postgresAnswers(local))) return external(local);
  return startEmbedded();
}

/**
 * Creates `tcc_bench_<role>_<8 hex>`: named like the tests' databases, so
 * the test setup also drops ones a killed run left behind.
 */
export async function createDatabase(server: PgServer, role: string): Promise<BenchDatabase> {
  const name = `tcc_bench_${role}_${randomBytes(4).toString('hex')}`;
  await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops the run's databases, closing whatever is still connected to them. */
export async function dropDatabases(server: PgServer, databases: BenchDatabase[]): Promise<void> {
  await withClient(server.adminUrl, async (client) => {
    for (const db of databases)
      await client.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
  });
}

/** One statement's share of the database's time, from pg_stat_statements. */
export interface StatementCost {
  calls: number;
  /** Execution time of all calls. */
  totalMs: number;
  meanMs: number;
  /** Planning time per call, averaged over every call: a cached plan costs none (0 unless the server tracks planning). */
  meanPlanMs: number;
  query: string;
}

/**
 * Starts counting statements in `url`'s database; false when the server
 * does not preload pg_stat_statements (it cannot be loaded later).
 */
export async function resetStatementStats(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ setting: string }>(
      `SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'`,
    );
    if (!rows[0]?.setting.includes('pg_stat_statements')) return false;
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
    return true;
  });
}

/** The `limit` statements of the named databases that took the most time since the reset. */
export async function topStatements(
  url: string,
  databases: string[],
  limit: number,
): Promise<(StatementCost & { database: string })[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{
      calls: string;
      total: number;
      mean: number;
      plan: number;
      query: string;
      database: string;
    }>(
      `SELECT s.calls, s.total_exec_time AS total, s.mean_exec_time AS mean,
         s.total_plan_time / greatest(s.calls, 1) AS plan, s.query, d.datname AS database
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = ANY($1::text[])
       ORDER BY s.total_exec_time DESC LIMIT $2`,
      [databases, limit],
    );
    return rows.map((row) => ({
      calls: Number(row.calls),
      totalMs: row.total,
      meanMs: row.mean,
      meanPlanMs: row.plan,
      query: row.query.replace(/\s+/g, ' ').trim(),
      database: row.database,
    }));
  });
}
