import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/database';
import { ROOT } from '../../../scripts/lib/build';

/** A PostgreSQL server of its own that a test can stop and start again, keeping its data. */
export interface StoppablePostgres {
  /** `postgres://postgres:postgres@127.0.0.1:<port>/postgres` */
  adminUrl: string;
  /** Stops the server the way an operator would (a fast shutdown: sessions end, connections are refused). */
  stopServer(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  startServer(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

const SERVER_SCRIPT = join(ROOT, 'scripts', 'lib', 'pg-server.js');
const LOG_DIR = join(ROOT, 'test-results', 'logs');

/**
 * Starts an embedded PostgreSQL through the supervisor `npm start` uses
 * (scripts/lib/pg-server.js, a process of its own: the package is an ES
 * module, which jest's module system cannot load). Stopping ends that
 * process after the server stopped; starting runs a new one on the kept
 * data directory.
 */
export async function startStoppablePostgres(name: string): Promise<StoppablePostgres> {
  const port = await freePort();
  // Not created here: running as root, the package creates it owned by the postgres user.
  const dataDir = join(tmpdir(), `tcc-${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(LOG_DIR, { recursive: true });
  const env = {
    ...process.env,
    TCC_PG_DATA_DIR: dataDir,
    TCC_PG_PORT: String(port),
    TCC_PG_LOG_FILE: join(LOG_DIR, `${name}.postgres.${port}.log`),
  };
  let supervisor: ChildProcess | null = null;
  // Where the supervisor put the cluster: elsewhere when the postgres user cannot reach `dataDir`.
  let clusterDir = dataDir;

  const startServer = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(SERVER_SCRIPT, [], { env, stdio: 'ignore' });
      child.once('message', (message: { type: string; message?: string; dataDir?: string }) => {
        if (message.type === 'ready') {
          supervisor = child;
          clusterDir = message.dataDir ?? dataDir;
          resolve();
        } else reject(new Error(`PostgreSQL ${name} did not start: ${message.message}`));
      });
      child.once('exit', (code) => reject(new Error(`PostgreSQL ${name} exited (${code})`)));
    });
  const stopServer = async (): Promise<void> => {
    const child = supervisor;
    if (!child || child.exitCode !== null) return;
    supervisor = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'stop' });
    await exited;
  };

  await startServer();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stopServer,
    startServer,
    remove: async () => {
      await stopServer();
      for (const dir of new Set([dataDir, clusterDir]))
        rmSync(dir, { recursive: true, force: true });
    },
  };
}
